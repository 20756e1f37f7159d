using EventEngine.Api.Endpoints;
using EventEngine.Api.Hosting;
using EventEngine.Api.Http;

// settings files sit beside the program; the working directory is only where data goes
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.UseEngineHostDefaults();
builder.UseEngineAccess();
builder.Services.AddProblemDetails();
builder.Services.AddEngineOpenApi();
builder.Services.AddEventStorage();
builder.Services.AddEngine(builder.Configuration);

var app = builder.Build();
app.LogAccess();
// a line per request: what was asked, what was answered, how long it took
app.UseMiddleware<RequestLog>();
// before the exception handler, so a request counts with the status code it was answered with
app.UseEngineHttpMetrics();
// a process answering requests is not quiet: memory is handed back between bursts, not inside one
app.UseMemoryTrim();
app.UseExceptionHandler();
// an answer without a body (no route, no method) is a Kubernetes Status on /api and /apis, problem details elsewhere
app.UseStatusCodePages(EmptyAnswers.WriteAsync);
// who is calling, and may they: before any endpoint runs
app.UseMiddleware<Access>();
// a recorder's log holds what the cluster shows, and nothing else
app.UseMiddleware<RecordOnly>();
// a write with an Idempotency-Key is hashed, so a retry can be told from a different request reusing the key
app.UseMiddleware<IdempotencyKeys>();
// once routing has chosen an endpoint: a typed query or route value that does not parse is a 400 naming it
app.UseMiddleware<TypedValues>();
app.MapEngineApiDocs();
app.MapHealthEndpoints();
app.MapEngineMetrics();
app.MapDiscoveryEndpoints();
app.MapAccessReviewEndpoints();
app.MapNodeEndpoints();
app.MapDaemonSetEndpoints();
app.MapControllerRevisionEndpoints();
app.MapPodEndpoints();
app.MapClusterEventEndpoints();
app.MapEngineEndpoints();
app.MapHistoryEndpoints();
app.MapInspectEndpoints();
app.MapWebView();
app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation(
    "EventEngine is ready at {Urls} ({Seconds:0.0} s after the process started); the web view is at /",
    string.Join(", ", app.Urls), (DateTime.Now - System.Diagnostics.Process.GetCurrentProcess().StartTime).TotalSeconds));
app.Run();

/// <summary>Entry point, visible to the test host.</summary>
public partial class Program;
