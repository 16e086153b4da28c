// Browser test of the chat page: load it, ask a question from the project's corpus, see the streamed answer,
// click a citation and see its source card highlighted, generate practice questions, build a comparison table. Needs CSA_URL (a running `csa serve`) and Chromium.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";

const url = process.env.CSA_URL ?? "http://127.0.0.1:5080/";
const screenshot = process.env.SCREENSHOT ?? "page.png";
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";

const results = [];
async function check(name, fn) {
  try { await fn(); results.push([name, null]); console.log(`ok   ${name}`); }
  catch (e) { results.push([name, e]); console.log(`FAIL ${name}: ${e.message}`); }
}

const browser = await chromium.launch({
  executablePath,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
  const tokens = [];
  page.on("response", (r) => { if (r.url().includes("/api/ask/stream")) tokens.push(r.headers()["content-type"]); });

  await check("page loads with a question box", async () => {
    await page.goto(url, { waitUntil: "networkidle" });
    assert.equal(await page.title(), "CaseStudyAssistant");
    assert.ok(await page.locator("#question").isVisible());
  });

  await check("asking streams an answer with citations over Server-Sent Events", async () => {
    await page.fill("#question", "How does Grab use an LLM to moderate user content, and how much human effort did it save?");
    await page.keyboard.press("Control+Enter");
    await page.waitForFunction(() => document.querySelector("#status")?.textContent?.startsWith("Answered"), null, { timeout: 20000 });
    const answer = await page.locator("#answer").innerText();
    assert.match(answer, /Grab/);
    assert.ok(await page.locator("#answer a.cite").count() > 0, "no clickable [n] markers");
    assert.ok(tokens.some((t) => t && t.startsWith("text/event-stream")), "the answer did not come as an event stream");
  });

  await check("clicking a citation highlights its source card with title, company, year, passage and link", async () => {
    const cite = page.locator("#answer a.cite").first();
    const n = await cite.getAttribute("data-n");
    await cite.click();
    const card = page.locator(`#source-${n}`);
    await card.waitFor({ state: "visible" });
    assert.match(await card.getAttribute("class"), /highlight/);
    const text = await card.innerText();
    assert.match(text, /Grab/);
    assert.match(text, /20\d\d/);
    assert.ok(await card.locator("blockquote").count() === 1, "no cited passage");
    assert.match(await card.locator("a").getAttribute("href"), /^https?:\/\//);
  });

  await check("follow-up chips appear and are keyboard reachable", async () => {
    const chips = page.locator("#follow-ups button");
    assert.ok(await chips.count() >= 1);
    await chips.first().focus();
    assert.equal(await page.evaluate(() => document.activeElement?.parentElement?.id), "follow-ups");
  });

  await page.screenshot({ path: screenshot, fullPage: true });

  await check("the practice tab generates cited questions", async () => {
    await page.click("#tab-practice");
    await page.fill("#p-topic", "content moderation");
    await page.click("#practice-form button[type=submit]");
    await page.locator("#practice-items .card").first().waitFor({ timeout: 20000 });
    assert.match(await page.locator("#practice-items .card").first().innerText(), /Follow-up probes/);
  });

  await check("the compare tab builds a cited table and exports it as Markdown", async () => {
    await page.click("#tab-compare");
    await page.fill("#c-topic", "feature store");
    await page.click("#compare-form button[type=submit]");
    await page.locator("#compare-table table tbody tr").first().waitFor({ timeout: 30000 });
    const rows = page.locator("#compare-table tbody tr");
    assert.ok(await rows.count() >= 2, "fewer than two studies compared");
    assert.equal(await page.locator("#compare-table thead th").count(), 6);
    assert.ok(await rows.first().locator("td a.cite").count() >= 1, "no cited cells");
    assert.match(await page.locator("#compare-points").innerText(), /Common patterns[\s\S]*Where they differ/);
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#c-export")]);
    const file = await download.path();
    const { readFile } = await import("node:fs/promises");
    assert.match(await readFile(file, "utf8"), /\| Study \| Problem and scale \|/);
  });

  await check("the page is readable on a phone-sized screen, the comparison table scrolling inside its box", async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.goto(url, { waitUntil: "networkidle" });
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `page is ${overflow}px wider than the screen`);
    await phone.click("#tab-compare");
    await phone.fill("#c-topic", "feature store");
    await phone.click("#compare-form button[type=submit]");
    await phone.locator("#compare-table table").waitFor({ timeout: 30000 });
    const scroll = await phone.evaluate(() => {
      const box = document.getElementById("compare-table");
      return { inner: box.scrollWidth > box.clientWidth, page: document.documentElement.scrollWidth - window.innerWidth };
    });
    assert.ok(scroll.inner, "the table does not scroll inside its box");
    assert.ok(scroll.page <= 1, `with the table the page is ${scroll.page}px wider than the screen`);
    await phone.close();
  });
} finally {
  await browser.close();
}

const failed = results.filter(([, e]) => e).length;
console.log(`browser: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
