namespace CaseStudyAssistant.Retrieval;

/// <summary>
/// A light English stemmer: folds plurals and the common verb/noun endings so "ranking", "ranked", "ranker" and
/// "ranks" meet, while leaving short words and acronyms alone. Lighter than Porter on purpose: it rarely merges
/// words that mean different things.
/// </summary>
internal static class Stemmer
{
    private static readonly (string Suffix, string Replacement, int MinStem)[] Rules =
    [
        ("izations", "iz", 3), ("ization", "iz", 3), ("isations", "iz", 3), ("isation", "iz", 3),
        ("ational", "at", 3), ("ations", "at", 3), ("ation", "at", 3),
        ("nesses", "", 4), ("ness", "", 4), ("ments", "", 4), ("ment", "", 4),
        ("ities", "", 4), ("ity", "", 4), ("ically", "ic", 3), ("ical", "ic", 3),
        ("ingly", "", 4), ("ings", "", 3), ("ing", "", 3), ("edly", "", 4), ("ed", "", 3),
        ("izers", "iz", 3), ("izer", "iz", 3), ("izes", "iz", 3), ("ize", "iz", 3), ("ized", "iz", 3),
        ("ises", "iz", 3), ("ise", "iz", 3), ("ised", "iz", 3),
        ("ers", "", 4), ("er", "", 4), ("ly", "", 4),
    ];

    public static string Stem(string word)
    {
        if (word.Length <= 3 || !word.All(char.IsAsciiLetterLower)) return word;
        var w = Plural(word);
        foreach (var (suffix, replacement, minStem) in Rules)
        {
            if (w.Length - suffix.Length < minStem || !w.EndsWith(suffix, StringComparison.Ordinal)) continue;
            var stem = w[..^suffix.Length];
            if (!stem.Any(IsVowel)) continue;
            w = stem + replacement;
            // "scaled" → "scal", "running" → "run": undo a doubled final consonant.
            if (replacement.Length == 0 && w.Length > 3 && w[^1] == w[^2] && !IsVowel(w[^1]) && w[^1] is not ('l' or 's' or 'z')) w = w[..^1];
            break;
        }
        // "encode"/"encoded"/"encoding" all end as "encod".
        if (w.Length > 4 && w[^1] == 'e') w = w[..^1];
        return w;
    }

    private static string Plural(string w)
    {
        if (w.EndsWith("ies") && w.Length > 4) return w[..^3] + "y";
        if (w.EndsWith("sses")) return w[..^2];
        if (w.EndsWith("xes") || w.EndsWith("ches") || w.EndsWith("shes")) return w[..^2];
        if (w.EndsWith('s') && !w.EndsWith("ss") && !w.EndsWith("us") && !w.EndsWith("is") && w.Length > 3) return w[..^1];
        return w;
    }

    private static bool IsVowel(char c) => c is 'a' or 'e' or 'i' or 'o' or 'u' or 'y';
}
