using System.Text;

namespace CaseStudyAssistant.Corpus;

internal static class Slug
{
    /// <summary>Lower-case ASCII letters and digits joined by single hyphens.</summary>
    public static string From(string text)
    {
        var sb = new StringBuilder(text.Length);
        bool pendingHyphen = false;
        foreach (var ch in text.Normalize(NormalizationForm.FormD))
        {
            if (char.IsAsciiLetterOrDigit(ch))
            {
                if (pendingHyphen && sb.Length > 0) sb.Append('-');
                sb.Append(char.ToLowerInvariant(ch));
                pendingHyphen = false;
            }
            else if (System.Globalization.CharUnicodeInfo.GetUnicodeCategory(ch) != System.Globalization.UnicodeCategory.NonSpacingMark)
            {
                pendingHyphen = true;
            }
        }
        return sb.ToString();
    }
}
