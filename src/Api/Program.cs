var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/healthz", () => Results.Ok());
app.Run();

/// <summary>Entry point, visible to the test host.</summary>
public partial class Program;
