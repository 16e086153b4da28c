using System.Text.RegularExpressions;

namespace CaseStudyAssistant.Retrieval;

/// <summary>
/// Our analyzer for both sides of sparse retrieval: lower-cases, drops stop words, stems lightly, and links ML
/// acronyms with their spelled-out forms ("LLM" also yields "larg languag model"; "click-through rate" also yields "ctr").
/// </summary>
public sealed partial class TextAnalyzer
{
    public static readonly TextAnalyzer Instance = new();

    /// <summary>Bumped whenever analysis changes, so indexes built with an older analyzer are re-encoded.</summary>
    public const string Version = "a1";

    [GeneratedRegex(@"\d+(?:[.,]\d+)*%?|[\p{L}][\p{L}\p{N}]*", RegexOptions.CultureInvariant)]
    private static partial Regex Words();

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a","about","above","after","again","against","all","also","am","an","and","any","are","as","at","be","because","been",
        "before","being","below","between","both","but","by","can","could","did","do","does","doing","down","during","each",
        "few","for","from","further","had","has","have","having","he","her","here","hers","him","his","how","i","if","in","into",
        "is","it","its","itself","just","me","more","most","my","no","nor","not","now","of","off","on","once","only","or",
        "other","our","ours","out","over","own","same","she","should","so","some","such","than","that","the","their","theirs",
        "them","then","there","these","they","this","those","through","to","too","under","until","up","very","was","we","were",
        "what","when","where","which","while","who","whom","why","will","with","would","you","your","yours","via","per","use",
        "used","uses","using","get","got","make","made","let","lets","way","ways","one","many","much","well","within","without",
        "whose","across","among","they're","it's","i'm","we're","don't","does't","into","onto","upon","yet","still","etc","e","g",
        "ie","eg","vs","s","t","like","kind","sort","thing","things","someone","something","anyone","anything","tell","know",
        "want","need","needs","our","us","let's","did","doing","team","teams","company","companies","approach","approaches",
    };

    // Acronym → spelled-out form. Both directions are indexed, so either wording finds the other.
    private static readonly (string Acronym, string Phrase)[] Acronyms =
    [
        ("llm", "large language model"), ("rag", "retrieval augmented generation"), ("ctr", "click through rate"),
        ("cvr", "conversion rate"), ("ann", "approximate nearest neighbor"), ("knn", "k nearest neighbor"),
        ("asr", "automatic speech recognition"), ("tts", "text to speech"), ("nlp", "natural language processing"),
        ("nlu", "natural language understanding"), ("gnn", "graph neural network"), ("rl", "reinforcement learning"),
        ("eta", "estimated time of arrival"), ("ocr", "optical character recognition"), ("ner", "named entity recognition"),
        ("cnn", "convolutional neural network"), ("rnn", "recurrent neural network"), ("lstm", "long short term memory"),
        ("moe", "mixture of experts"), ("sft", "supervised fine tuning"), ("rlhf", "reinforcement learning from human feedback"),
        ("gbdt", "gradient boosted decision tree"), ("dnn", "deep neural network"), ("mtl", "multi task learning"),
        ("ltv", "lifetime value"), ("roi", "return on investment"), ("slo", "service level objective"),
        ("kpi", "key performance indicator"), ("vlm", "vision language model"), ("mllm", "multimodal large language model"),
        ("gpu", "graphics processing unit"), ("cdc", "change data capture"), ("etl", "extract transform load"),
        ("mab", "multi armed bandit"), ("roas", "return on ad spend"), ("cpc", "cost per click"), ("cpa", "cost per acquisition"),
        ("mape", "mean absolute percentage error"), ("auc", "area under curve"), ("ndcg", "normalized discounted cumulative gain"),
        ("kyc", "know your customer"), ("aml", "anti money laundering"), ("hnsw", "hierarchical navigable small world"),
        ("kv", "key value"), ("qps", "queries per second"), ("sla", "service level agreement"), ("e2e", "end to end"),
        ("ab", "a b test"),
    ];

    private static readonly Dictionary<string, string[]> AcronymToPhrase;
    private static readonly Dictionary<string, List<(string[] Phrase, string Acronym)>> PhraseStarts;

    static TextAnalyzer()
    {
        AcronymToPhrase = new(StringComparer.Ordinal);
        PhraseStarts = new(StringComparer.Ordinal);
        foreach (var (acronym, phrase) in Acronyms)
        {
            var stems = phrase.Split(' ').Where(w => !StopWords.Contains(w)).Select(Stemmer.Stem).ToArray();
            AcronymToPhrase[acronym] = stems;
            var all = phrase.Split(' ').Select(Stemmer.Stem).Where(w => !StopWords.Contains(w)).ToArray();
            if (!PhraseStarts.TryGetValue(all[0], out var list)) PhraseStarts[all[0]] = list = [];
            list.Add((all, acronym));
        }
    }

    /// <summary>Raw lower-cased words of the text, before stop words and stemming.</summary>
    public static IEnumerable<string> Words(string text)
    {
        foreach (Match m in Words().Matches(text))
            yield return m.Value.ToLowerInvariant();
    }

    /// <summary>Index terms of the text, in order, with acronym links added right after the words they come from.</summary>
    public List<string> Analyze(string text)
    {
        var stems = new List<string>();
        foreach (var word in Words(text))
        {
            if (StopWords.Contains(word)) continue;
            stems.Add(char.IsDigit(word[0]) ? word.TrimEnd('%').Replace(",", "") : Stemmer.Stem(word));
        }

        var terms = new List<string>(stems.Count + 8);
        for (var i = 0; i < stems.Count; i++)
        {
            var stem = stems[i];
            terms.Add(stem);
            if (AcronymToPhrase.TryGetValue(stem, out var phrase)) terms.AddRange(phrase);
            if (PhraseStarts.TryGetValue(stem, out var candidates))
            {
                foreach (var (words, acronym) in candidates)
                {
                    if (i + words.Length > stems.Count) continue;
                    var match = true;
                    for (var k = 1; k < words.Length && match; k++) match = stems[i + k] == words[k];
                    if (match) terms.Add(acronym);
                }
            }
        }
        return terms;
    }

    public bool IsStopWord(string word) => StopWords.Contains(word);

    public static bool IsKnownAcronym(string word) => AcronymToPhrase.ContainsKey(word) || word is "ml" or "ai" or "api" or "sql" or "gpt";
}
