using CaseStudyAssistant.Configuration;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Web;

// Standalone: dotnet run --project src/CaseStudyAssistant.Web -- --urls http://127.0.0.1:5080
// (csa serve does the same from the command-line tool.)
WebApplication app;
try { app = WebApp.Build(args); }
catch (Exception e) when (UserErrors.For(e) is { Kind: not ErrorKind.Internal } error)
{
    Console.Error.WriteLine($"error: {error.Message}");
    if (error.Hint is not null) Console.Error.WriteLine($"hint: {error.Hint}");
    return 2;
}
var urls = app.Urls.Count > 0 ? app.Urls.ToList() : (app.Configuration["urls"] ?? "http://localhost:5000").Split(';').ToList();
if (!WebOptions.LoopbackOnly(urls) && app.Services.GetRequiredService<WebOptions>().ApiKey is null)
{
    Console.Error.WriteLine($"error: listening on {string.Join(", ", urls)} (beyond loopback) needs an API key");
    Console.Error.WriteLine("hint: set CSA_API_KEY in the environment, or bind to http://127.0.0.1:PORT");
    return 2;
}
var index = app.Services.GetRequiredService<IStudyIndex>();
if ((await index.GetStateAsync()).IsEmpty && ProjectCorpus.Locate(app.Services.GetRequiredService<CsaSettings>().Corpus.Path) is { } corpus)
{
    Console.Error.WriteLine($"The index at {index.Location} is empty: ingesting the project's corpus ({corpus}) first.");
    await app.Services.GetRequiredService<Ingestor>().IngestAsync([corpus], rebuild: false);
}
await app.RunAsync();
return 0;

public partial class Program;
