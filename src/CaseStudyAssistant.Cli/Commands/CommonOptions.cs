using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Configuration;
using System.CommandLine;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Cli.Commands;

/// <summary>Flags shared by several commands, and how they map onto configuration keys.</summary>
internal static class CommonOptions
{
    /// <summary>Where the index lives: --index for the embedded file, --store and --qdrant-url to use Qdrant.</summary>
    public sealed class Store
    {
        public readonly Option<string?> Index = new("--index") { Description = "Embedded index file (default .csa/index.db; config Index:Path, env CSA_INDEX__PATH)" };
        public readonly Option<string?> Kind = new("--store") { Description = "embedded (default) or qdrant (config Index:Store)" };
        public readonly Option<string?> QdrantUrl = new("--qdrant-url") { Description = "Qdrant gRPC URL, e.g. http://localhost:6334 (config Index:Qdrant:Url, env QDRANT_URL)" };

        public Store() => Kind.AcceptOnlyFromAmong("embedded", "qdrant");

        public void AddTo(Command command)
        {
            command.Options.Add(Index); command.Options.Add(Kind); command.Options.Add(QdrantUrl);
        }

        public Dictionary<string, string?> Overrides(ParseResult r, string? indexPath = null) => new()
        {
            ["Index:Path"] = indexPath ?? r.GetValue(Index),
            ["Index:Store"] = r.GetValue(Kind) ?? (r.GetValue(QdrantUrl) is not null ? "qdrant" : null),
            ["Index:Qdrant:Url"] = r.GetValue(QdrantUrl),
        };
    }

    public static Option<string[]> Corpus() => new("--corpus") { Description = "Corpus folder to read (repeatable); default: the project's corpus/", Arity = ArgumentArity.ZeroOrMore };

    /// <summary>Which language model writes answers; nothing configured means the offline extractive answer.</summary>
    public sealed class Llm
    {
        public readonly Option<string?> Provider = new("--llm") { Description = "openai, azure, ollama or compatible (config Llm:Provider); key from CSA_LLM_API_KEY or the provider's variable" };
        public readonly Option<string?> Endpoint = new("--llm-endpoint") { Description = "Base URL of the model server (config Llm:Endpoint)" };
        public readonly Option<string?> ChatModel = new("--chat-model") { Description = "Chat model (Azure: deployment) (config Llm:ChatModel)" };
        public readonly Option<string?> EmbeddingModel = new("--embedding-model") { Description = "Embedding model; without it embeddings stay offline (config Llm:EmbeddingModel)" };
        public readonly Option<bool> Telemetry = new("--telemetry") { Description = "Print OpenTelemetry spans and metrics to stderr" };

        public Llm() => Provider.AcceptOnlyFromAmong("none", "openai", "azure", "ollama", "compatible");

        public void AddTo(Command command, bool chat = true)
        {
            command.Options.Add(Provider); command.Options.Add(Endpoint);
            if (chat) command.Options.Add(ChatModel);
            command.Options.Add(EmbeddingModel); command.Options.Add(Telemetry);
        }

        public void AddOverrides(ParseResult r, Dictionary<string, string?> overrides)
        {
            overrides["Llm:Provider"] = r.GetValue(Provider);
            overrides["Llm:Endpoint"] = r.GetValue(Endpoint);
            overrides["Llm:ChatModel"] = r.GetValue(ChatModel);
            overrides["Llm:EmbeddingModel"] = r.GetValue(EmbeddingModel);
            if (r.GetValue(Telemetry)) overrides["Telemetry:Console"] = "true";
        }
    }

    public static Option<bool> Json() => new("--json") { Description = "Print one JSON object instead of text" };

    /// <summary>How a question is answered: --mode answer|research, --keep-unsupported.</summary>
    public sealed class Answering
    {
        public readonly Option<string?> Mode = new("--mode") { Description = "answer (default: extractive offline, the model when one is configured) or research (the model searches the studies itself; needs --llm)" };
        public readonly Option<bool> KeepUnsupported = new("--keep-unsupported") { Description = "Keep sentences of a generated answer that lack a supporting citation, marked [unsupported], instead of dropping them" };

        public Answering() => Mode.AcceptOnlyFromAmong(AskModes.All);

        public void AddTo(Command command)
        {
            command.Options.Add(Mode); command.Options.Add(KeepUnsupported);
        }

        public AskOptions Read(ParseResult r) => new() { Mode = AskModes.Parse(r.GetValue(Mode), "--mode"), KeepUnsupported = r.GetValue(KeepUnsupported) };
    }

    public sealed class Filters
    {
        public readonly Option<string?> Company = new("--company") { Description = "Only studies from this company" };
        public readonly Option<string?> Industry = new("--industry") { Description = "Only studies in this industry" };
        public readonly Option<string?> Tag = new("--tag") { Description = "Only studies with this tag" };
        public readonly Option<string?> Category = new("--category") { Description = "Only studies in this category (e.g. rec, search, genai)" };
        public readonly Option<int?> YearFrom = new("--year-from") { Description = "Only studies from this year on" };
        public readonly Option<int?> YearTo = new("--year-to") { Description = "Only studies up to this year" };

        public void AddTo(Command command)
        {
            command.Options.Add(Company); command.Options.Add(Industry); command.Options.Add(Tag);
            command.Options.Add(Category); command.Options.Add(YearFrom); command.Options.Add(YearTo);
        }

        public SearchFilter Read(ParseResult r)
        {
            var from = r.GetValue(YearFrom); var to = r.GetValue(YearTo);
            CliError.ThrowIf(RequestRules.Years(from, to));
            return new SearchFilter
            {
                Company = Blank(r.GetValue(Company)), Industry = Blank(r.GetValue(Industry)), Tag = Blank(r.GetValue(Tag)),
                Category = Blank(r.GetValue(Category)), YearFrom = from, YearTo = to,
            };
        }

        private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
    }

}
