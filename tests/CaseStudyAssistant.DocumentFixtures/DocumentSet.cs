using System.Text;

namespace CaseStudyAssistant.DocumentFixtures;

/// <summary>
/// The saved papers and articles that <c>eval/documents.jsonl</c> asks about: PDFs with numbered, bold-only or no
/// headings, two columns, running headers and page numbers, hyphenated line ends; web pages with navigation, cookie
/// banners and comments around the article; metadata from the files, from sidecars and from a catalog row. The
/// companies and figures are invented for the tests.
/// </summary>
public static class DocumentSet
{
    /// <summary>Study ids, as the corpus reader gives them.</summary>
    public const string FraudRings = "northwind-fraud-rings";
    public const string DemandForecast = "reports-riverbend-demand-forecast";
    public const string LatencyBudget = "notes-checkout-latency-budget";
    public const string SearchRanking = "web-tidewater-hotel-ranking";
    public const string CallAnalytics = "web-lumen-call-transcription";
    public const string RouteEta = "orbit-delivery-eta";

    /// <summary>Writes every good document (and its sidecar or catalog row) under <paramref name="folder"/>.</summary>
    public static void WriteAll(string folder)
    {
        Write(folder, "papers/northwind-fraud-rings.pdf", FraudRingsPdf());
        Write(folder, "papers/catalog.csv", Encoding.UTF8.GetBytes(
            "id,title,company,industry,primary_category,tags,year,source_url,file,summary_oneliner\n" +
            "northwind-fraud-rings,Catching Fraud Rings with Shared-Device Graphs,Northwind Payments,Fintech,fraud,fraud;graphs;gnn,2023,https://research.northwind.example/papers/fraud-rings,northwind-fraud-rings.pdf,Graph model over shared devices and cards finds organised fraud rings\n"));
        Write(folder, "reports/riverbend-demand-forecast.pdf", DemandForecastPdf());
        Write(folder, "reports/riverbend-demand-forecast.meta.yaml", Encoding.UTF8.GetBytes(
            "company: Riverbend Grocers\nyear: 2022\nindustry: Retail\ncategory: forecast\ntags: [demand-forecasting, gradient-boosting, fresh-food]\nsource_url: https://tech.riverbend.example/reports/fresh-demand\n"));
        Write(folder, "notes/checkout-latency-budget.pdf", LatencyBudgetPdf());
        Write(folder, "web/tidewater-hotel-ranking.html", Encoding.UTF8.GetBytes(SearchRankingPage().Render()));
        Write(folder, "web/lumen-call-transcription.html", Encoding.UTF8.GetBytes(CallAnalyticsPage().Render()));
        Write(folder, "web/orbit-delivery-eta.html", Encoding.UTF8.GetBytes(RouteEtaPage().Render()));
        Write(folder, "web/orbit-delivery-eta.meta.yaml", Encoding.UTF8.GetBytes(
            "id: orbit-delivery-eta\ncompany: Orbit Logistics\ncategory: forecast\n"));
    }

    /// <summary>Files the reader must reject, one per reason, with the reason each should give.</summary>
    public static IReadOnlyList<(string Path, string Reason)> WriteBad(string folder)
    {
        Write(folder, "bad/protected.pdf", BadDocuments.PasswordProtectedPdf());
        Write(folder, "bad/scanned.pdf", BadDocuments.ScannedPdf());
        Write(folder, "bad/truncated.pdf", BadDocuments.Truncated(FraudRingsPdf()));
        Write(folder, "bad/page-saved-as.pdf", Encoding.UTF8.GetBytes(SearchRankingPage().Render()));
        Write(folder, "bad/paper-saved-as.html", LatencyBudgetPdf());
        Write(folder, "bad/navigation-only.html", Encoding.UTF8.GetBytes(NavigationOnlyPage()));
        return
        [
            ("bad/protected.pdf", "password-protected"),
            ("bad/scanned.pdf", "no extractable text"),
            ("bad/truncated.pdf", "corrupt or truncated"),
            ("bad/page-saved-as.pdf", "is not a PDF"),
            ("bad/paper-saved-as.html", "rename it to .pdf"),
            ("bad/navigation-only.html", "no article content"),
        ];
    }

    private static void Write(string folder, string relative, byte[] content)
    {
        var path = Path.Combine(folder, relative.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
    }

    /// <summary>
    /// Two columns, numbered headings one size up in bold, a running header and page numbers; sections start on
    /// pages 1, 2, 3 and 4 ("4 Results" on page 3). Metadata: info title, creation date 2023, keywords.
    /// </summary>
    public static byte[] FraudRingsPdf()
    {
        var pdf = new PdfComposer(new PdfStyle { Columns = 2, RunningHeader = "Northwind Research Report NR-2023-07 · Fraud Rings", Footer = "{0}" });
        pdf.Info.Title = "Catching Fraud Rings with Shared-Device Graphs";
        pdf.Info.CreationDate = "D:20230914101500Z";
        pdf.Info.Keywords = "fraud detection, graph neural networks, payments";
        pdf.Title("Catching Fraud Rings with Shared-Device Graphs")
            .Byline("Risk Engineering Group · September 2023")
            .Heading("1 Introduction")
            .Paragraph("Our payment platform processes card payments for about 40,000 online merchants. Most fraud is committed by individuals, but the costliest losses come from organised rings that open hundreds of accounts and reuse a small pool of devices, cards and shipping addresses across them. Each account on its own looks ordinary, so the per-transaction risk model scored ring members as low risk.")
            .Paragraph("This report describes how we link accounts through what they share and score whole groups instead of single payments, and what the change did to losses and to the work of our review analysts.")
            .ColumnBreak()
            .Heading("2 Graph Construction")
            .Paragraph("The graph has four node types: accounts, devices, payment cards and shipping addresses. An edge joins an account to every device, card and address it used in the last 90 days. The full graph holds about 1.2 billion edges and is rebuilt nightly by a batch job, while a stream\u00ADing job adds new edges every ten minutes so that a ring opening fresh accounts is visible the same day.")
            .Paragraph("Device identity comes from a fingerprint of browser and hardware signals; cards are keyed by a token, never by the card number. Addresses are normalised before matching, so that small spelling changes do not split one address into many.")
            .PageBreak()
            .Heading("3 Model")
            .Paragraph("A two-hop graph neural network in the GraphSAGE style learns an embedding for every account from its neighbours, sampling at most 25 neighbours per hop to bound the cost of busy nodes such as shared office networks. The model is trained on chargeback labels; an account counts as fraudulent when one of its payments was charged back for fraud within 60 days.")
            .Lines("Accounts are then grouped into connected",
                "components over device and card edges, and",
                "each component receives a ring score: the",
                "mean of its members' fraud probabilities,",
                "weighted by how many payments each made.",
                "Components with a single member get no ring",
                "score; this keeps the analysts' queue free of",
                "lone accounts, which the transaction model",
                "already handles with its own thresh-",
                "olds for new and dormant accounts.")
            .ColumnBreak()
            .Heading("3.1 Serving", 2)
            .Paragraph("Ring scores are precomputed and cached in Redis keyed by account, so the checkout path only performs a lookup. The lookup adds under 40 milliseconds at the 99th percentile, and a missing score falls back to the single-payment model rather than blocking the payment.")
            .PageBreak()
            .Heading("4 Results")
            .Paragraph("At the same number of accounts sent to manual review, ring recall rose from 38 percent to 71 percent. Over the first six months in production, chargeback losses from organised fraud fell by 27 percent. The false positive rate at the review threshold stayed below 0.4 percent of legitimate accounts.")
            .Paragraph("Most of the gain came from rings whose members each made only one or two payments, the case the transaction model could never see.")
            .PageBreak()
            .Heading("5 Lessons")
            .Paragraph("Chargeback labels arrive up to 60 days late, so every model change is backtested on data at least two months old before release. Analysts also asked why a group was flagged: the review tool now shows the shared device or card that connects two accounts, which halved the time needed to confirm a ring.");
        return pdf.Build();
    }

    /// <summary>
    /// One column, serif body, headings in bold at the body size, a running header and "Page N" footers. The info
    /// title is a word processor's file name, so the title must come from the first page. Metadata: sidecar.
    /// </summary>
    public static byte[] DemandForecastPdf()
    {
        var pdf = new PdfComposer(new PdfStyle { HeadingExtra = 0, SerifBody = true, RunningHeader = "Riverbend Grocers · Internal report · Do not distribute", Footer = "Page {0}" });
        pdf.Info.Title = "Microsoft Word - forecast_v7.docx";
        pdf.Title("Forecasting Fresh Produce Demand per Store and Day")
            .Heading("Background")
            .Paragraph("Riverbend runs 310 grocery stores and sells about 11,000 fresh products, from salad leaves to bakery items, most of which spoil within days. Store managers ordered by hand from last week's sales, which left shelves empty before weekends and sent large amounts of food to waste after them.")
            .Heading("Forecasting approach")
            .Paragraph("We forecast demand for every store, product and day with gradient boosted trees (LightGBM) rather than one classical time-series model per product, because a single model can learn from related products and from stores with similar customers. Features include recent sales, promotions, prices, school holidays, local events and the weather forecast for the next three days; a hot weekend triples barbecue sales in some stores.")
            .Paragraph("The model predicts quantiles, not only a mean: orders are placed at the 70th percentile for products with a long shelf life and closer to the median for those that spoil within a day, which trades a small risk of empty shelves for much less waste.")
            .PageBreak()
            .Heading("Running it every night")
            .Paragraph("Forecasts are produced at four in the morning, after the previous day's sales have been loaded, and turned into order proposals that managers can accept or adjust before ten. About 85 percent of proposals are accepted unchanged. A drift monitor compares each store's forecast error with its own history and alerts the team when a store's error doubles, which usually means a local event the model has not seen.")
            .Heading("Results")
            .Paragraph("In a twelve-week trial against matched control stores, food waste on fresh products fell by 18 percent and out-of-stock hours fell by 9 percent, while the time managers spent on ordering dropped from about an hour to fifteen minutes a day.");
        return pdf.Build();
    }

    /// <summary>No headings at all (so one section per page), no metadata (company and year unknown), a title on page 1.</summary>
    public static byte[] LatencyBudgetPdf()
    {
        var pdf = new PdfComposer(new PdfStyle { Footer = "- {0} -" });
        pdf.Title("A Latency Budget for the Checkout Page")
            .Paragraph("The checkout page has a budget of 800 milliseconds from the click on the pay button to the confirmation, measured at the 95th percentile in the browser. The budget is split between the services on the request path: authentication gets 50 milliseconds, the basket service 120, pricing and tax 200, payment authorisation 300, and rendering the rest. Each team owns its share and sees it on a dashboard next to the total.")
            .Paragraph("Before the budget existed, every team optimised its own average latency, and nobody owned the slowest requests, which is where customers abandoned their baskets.")
            .PageBreak()
            .Paragraph("The tax service was the worst offender: its median was fast, but one request in a hundred waited on a cold cache and took almost two seconds. Sending a hedged second request after 50 milliseconds, and using whichever answer arrives first, cut the checkout's 99th percentile latency from 1.9 seconds to 620 milliseconds, at the cost of about three percent more tax requests.")
            .Paragraph("Hedging only works for requests that are safe to send twice, so payment authorisation, which must never run twice, is excluded and protected with an idempotency key instead.")
            .PageBreak()
            .Paragraph("When the site is overloaded, the page now sheds optional work first: the recommendation widget and the loyalty points preview are skipped, and the page renders without them. During the last seasonal sale this load shedding kept checkout errors under 0.1 percent while traffic peaked at four times the normal level.");
        return pdf.Build();
    }

    public static HtmlPage SearchRankingPage() => new()
    {
        Title = "Ranking hotels with learning to rank | Tidewater Travel Tech Blog",
        OgTitle = "Ranking Hotels for Every Search with Learning to Rank",
        SiteName = "Tidewater Travel",
        PublishedTime = "2024-02-20T09:30:00+00:00",
        CanonicalUrl = "https://tech.tidewater.example/blog/hotel-ranking-ltr",
        Keywords = "learning to rank, search, LambdaMART, position bias",
        Byline = "By Mira Okafor, February 20, 2024",
        Comments = ["Great write-up! Did you try a neural ranker as well, and how did it compare on booking rate?", "Which feature store do you use for the price features?"],
        ArticleHtml = """
            <p>When a traveller searches for a city, Tidewater shows a ranked list of hotels out of tens of thousands. For years that order came from a hand-tuned formula of price, review score and distance. This post describes how we replaced it with a learned ranking model and what we learned about position bias along the way.</p>
            <h2>The problem with the old formula</h2>
            <p>The formula could not adapt to the kind of search: families searching for beach resorts and business travellers searching near a conference centre got the same weights. Every change to the weights was an argument, and every argument ended in a two-week A/B test.</p>
            <h2>Learning to rank</h2>
            <p>The new ranker is a LambdaMART model trained on 140 features, including price relative to the city's median, review score, distance to the searched landmark, photo quality and how often the hotel was booked after being shown. It optimises NDCG on bookings, with clicks as a weaker signal.</p>
            <h3>Correcting for position bias</h3>
            <p>Hotels shown at the top get clicked because they are at the top. To learn from clicks without learning the old ranking again, we randomly swap the top three results for a small share of traffic and use those searches to estimate how much each position inflates clicks. The training labels are then weighted by the inverse of that propensity.</p>
            <h3>Serving</h3>
            <ul>
              <li>Features are read from an online feature store in a single batched call per search.</li>
              <li>The model scores the top 400 candidates from the retrieval stage in under 30 milliseconds.</li>
            </ul>
            <h2>Results</h2>
            <p>In a four-week A/B test the learned ranker increased bookings per search by 4.1 percent and reduced the share of searches that ended without any click by 6 percent. The biggest gains came from searches for family trips, which the old formula served worst.</p>
            """,
    };

    public static HtmlPage CallAnalyticsPage() => new()
    {
        Title = "Transcribing loan calls with a fine-tuned speech model",
        CanonicalUrl = "https://blog.lumenbank.example/2021/03/transcribing-loan-calls",
        Byline = "Posted in Data Science",
        ArticleHtml = """
            <p>Our advisers take thousands of phone calls about loans every day, and until recently nobody could search what was said on them. We built a transcription pipeline so that compliance reviews, complaint handling and product teams can read and search the calls.</p>
            <h2>Choosing and adapting the model</h2>
            <p>Off-the-shelf speech recognition struggled with our vocabulary: product names, interest rate terms and amounts read out as digits. We fine-tuned a wav2vec 2.0 model on 3,000 hours of our own recorded calls that had been transcribed by hand, which brought the word error rate from 24 percent down to 11 percent.</p>
            <h2>Protecting customer data</h2>
            <p>Transcripts contain account numbers, dates of birth and addresses. A named-entity model redacts them before a transcript is stored, and the audio itself is deleted after 30 days. Access to unredacted text requires a second approval.</p>
            <h2>What the transcripts are used for</h2>
            <p>Compliance staff now review a random sample of calls by reading rather than listening, which is three times faster. Complaint handlers search for the exact words a customer used, and a weekly report counts how often customers mention early repayment fees.</p>
            """,
    };

    public static HtmlPage RouteEtaPage() => new()
    {
        Title = "How we predict delivery arrival times",
        OgTitle = "How We Predict Delivery Arrival Times",
        SiteName = "Medium",
        PublishedTime = "2025-05-06T12:00:00Z",
        CanonicalUrl = "https://medium.example/orbit-engineering/how-we-predict-delivery-arrival-times-4f2a",
        Keywords = "eta, gradient boosting, logistics",
        ArticleHtml = """
            <p>Every parcel tracking page shows a promised arrival window. Customers plan their day around it, so a window that is too early or too late costs us trust and support calls.</p>
            <h2>From route plans to predictions</h2>
            <p>The route planner already knows the order of stops for each van, but its drive times come from a static road map. We now predict the arrival time at every stop with a gradient boosting model that uses the van's live GPS position matched to the road network, the planned stops still ahead, the time of day, the weather, and how long this driver has historically spent at similar stops.</p>
            <h2>Promising a window</h2>
            <p>The tracking page shows a 30-minute window, chosen so that nine out of ten parcels arrive inside it. When the predicted arrival moves by more than ten minutes, the customer gets an updated window by text message.</p>
            <h2>Results</h2>
            <p>The mean absolute error of arrival predictions fell by 23 percent compared with the route planner's own estimate, and calls to customer support asking where a parcel is fell by 15 percent.</p>
            """,
    };

    private static string NavigationOnlyPage() => """
        <!DOCTYPE html>
        <html><head><title>Blog | Example</title></head>
        <body>
        <header><nav><ul><li><a href="/">Home</a></li><li><a href="/blog">Blog</a></li><li><a href="/about">About</a></li></ul></nav></header>
        <div class="cookie-banner">We use cookies. <button>Accept</button></div>
        <main><ul class="post-list"><li><a href="/blog/1">Post one</a></li><li><a href="/blog/2">Post two</a></li></ul></main>
        <footer>© Example</footer>
        </body></html>
        """;
}
