namespace CaseStudyAssistant.Tests;

/// <summary>
/// Eight short studies for the store conformance suite: distinct topics, companies, industries, years and tags, two
/// pairs sharing a company / industry / category / tag so filters have more than one answer, and one study with no
/// optional metadata at all. Each mentions "production system" (a question every study answers, for exact filter
/// checks) and a made-up word only it contains (for exact incremental checks).
/// </summary>
public static class ConformanceCorpus
{
    public sealed record Study(
        string Id, string Title, string Company, string? Industry, string? Category, int? Year, string[] Tags,
        string Folder, string UniqueWord, (string Heading, string Text)[] Sections, bool HasUrl = true)
    {
        public string? Url => HasUrl ? $"https://example.com/{Id}" : null;
        public string RelativePath => $"{Folder}/{Id}.md";
        public string Markdown => StudyFile.Markdown(Id, Title, Company, Sections, Year, Industry, Category, Tags.Length == 0 ? null : Tags, Url);
    }

    public static readonly Study[] Studies =
    [
        new("churn-prediction", "Predicting subscriber churn", "TelcoOne", "Telecom", "forecast", 2018, ["churn", "classification"], "telecom", "quokka",
        [
            ("Problem", "Subscribers cancelled contracts without warning, and the quokka retention team called customers at random."),
            ("Approach", "A gradient boosted classifier predicts churn risk for each subscriber from usage, billing and support history. The production system sends the riskiest subscribers to the retention team every morning."),
            ("Results", "Churn fell by 12% among contacted subscribers."),
        ]),
        new("search-ranking", "Learning to rank product search", "ShopMart", "Retail", "search", 2020, ["ranking", "learning-to-rank"], "retail", "wombat",
        [
            ("Problem", "Shoppers searching the wombat catalogue saw irrelevant products at the top of search results."),
            ("Approach", "A learning-to-rank model reorders product search results using click logs, query features and product popularity. The production system reranks the top 200 search results for every query."),
            ("Results", "Search conversion rose by 7% after launch."),
        ]),
        new("fraud-graph", "Catching payment fraud rings", "PayFast", "Fintech", "fraud", 2019, ["graph", "fraud-detection"], "fintech", "narwhal",
        [
            ("Problem", "Fraudsters built narwhal rings of linked accounts to launder stolen card payments."),
            ("Approach", "A graph neural network scores each account from the transaction graph, linking accounts that share devices and cards. The production system blocks a payment when the ring score is high."),
            ("Results", "Fraud losses fell by 30%."),
        ]),
        new("speech-asr", "Transcribing customer calls", "VoiceLab", "Media", "audio", 2022, ["asr", "speech"], "media", "axolotl",
        [
            ("Problem", "Customer call recordings with axolotl accents were transcribed badly."),
            ("Approach", "A conformer acoustic model transcribes each call recording, with a decoder biased towards product names. The production system streams transcripts to agents."),
            ("Results", "Word error rate fell from 18% to 9%."),
        ]),
        new("llm-support", "Drafting support replies with an LLM", "HelpDesk", "SaaS", "genai", 2024, ["chatbot", "support", "llm"], "saas", "capybara",
        [
            ("Problem", "Support agents spent hours writing capybara replies to repetitive tickets."),
            ("Approach", "A large language model drafts a reply to each support ticket from retrieved help-center articles. Agents review the draft before the production system sends it."),
            ("Results", "Handling time per ticket fell by 35%."),
        ]),
        new("code-review", "Automated pull request review", "DevTools Inc", "SaaS", "genai", 2025, ["code-review", "llm"], "saas", "okapi",
        [
            ("Problem", "Human reviewers were an okapi bottleneck for pull requests."),
            ("Approach", "An LLM reads each pull request diff and posts review comments. A classifier filters out unhelpful comments before the production system publishes them."),
            ("Results", "Authors acted on 40% of the posted comments."),
        ]),
        new("demand-forecast", "Forecasting store demand", "ShopMart", "Retail", "forecast", 2023, ["forecasting", "inventory"], "retail", "tapir",
        [
            ("Problem", "Stores ran out of tapir popular items while overstocking slow sellers."),
            ("Approach", "A temporal neural network forecasts daily demand for each item in each store from sales history, promotions and holidays. The production system orders inventory from the forecasts."),
            ("Results", "Stockouts fell by 25%."),
        ]),
        new("kitchen-vision", "Spotting spills in restaurant kitchens", "Bistro Labs", null, null, null, [], "misc", "dugong",
        [
            ("Problem", "Spills on dugong kitchen floors caused falls during busy hours."),
            ("Approach", "A small object detector watches kitchen camera frames for spills. The production system alerts the shift lead within seconds."),
        ], HasUrl: false),
    ];

    public static Study Get(string id) => Studies.Single(s => s.Id == id);

    public static IEnumerable<string> Ids => Studies.Select(s => s.Id);

    /// <summary>Writes every study (or the chosen ones) under <paramref name="folder"/> of <paramref name="dir"/>.</summary>
    public static string Write(TempDir dir, string folder = "corpus", IEnumerable<Study>? studies = null)
    {
        foreach (var s in studies ?? Studies) dir.Write($"{folder}/{s.RelativePath}", s.Markdown);
        return dir.File(folder);
    }

    /// <summary>Questions a single study answers, with that study.</summary>
    public static readonly (string Question, string Expected)[] Questions =
    [
        ("How do they predict which subscribers will churn?", "churn-prediction"),
        ("How are product search results reranked with click logs?", "search-ranking"),
        ("How do they detect fraud rings of linked accounts?", "fraud-graph"),
        ("How are customer call recordings transcribed?", "speech-asr"),
        ("How are replies to support tickets drafted?", "llm-support"),
        ("How are review comments on pull requests generated?", "code-review"),
        ("How is daily demand forecast for each store item?", "demand-forecast"),
        ("How are spills on kitchen floors detected?", "kitchen-vision"),
    ];

    /// <summary>Tiny filler studies, e.g. to make an ingest need more than one embedding batch.</summary>
    public static IEnumerable<Study> Fillers(int count) => Enumerable.Range(1, count).Select(i =>
    {
        var word = $"zorb{(char)('a' + i % 26)}{(char)('a' + i / 26 % 26)}lith";
        return new Study($"filler-{i:00}", $"Filler study {i}", $"Filler Co {i}", "Other", "misc", 2010 + i % 10, ["filler"], "fillers", word,
        [
            ("Problem", $"Filler problem {i}: the {word} team schedules nightly batch jobs."),
            ("Approach", $"A queue orders nightly jobs by priority {i}. The production system retries failed jobs."),
        ]);
    });
}
