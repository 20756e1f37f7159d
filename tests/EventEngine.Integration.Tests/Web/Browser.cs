using Microsoft.Playwright;

namespace EventEngine.Integration.Tests.Web;

/// <summary>
/// The system's Chromium (Debian's chromium package; no browser is downloaded) driven by Playwright, headless, and the
/// folder its screenshots go to (screenshots/ under the test output).
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private Browser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        _browser = browser;
    }

    public static string Screenshots { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    public static string Executable()
    {
        foreach (var candidate in new[] { Environment.GetEnvironmentVariable("EVENTENGINE_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser" })
            if (!string.IsNullOrEmpty(candidate) && File.Exists(candidate)) return candidate;
        throw new InvalidOperationException(
            "Chromium is not installed (looked for $EVENTENGINE_CHROMIUM, /usr/bin/chromium, /usr/bin/chromium-browser): the browser tests need it; apt-get install chromium");
    }

    public static async Task<Browser> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        // --no-sandbox: the tests may run as root, where Chromium's sandbox refuses to start
        var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Executable(), Headless = true, Args = ["--no-sandbox"] });
        return new Browser(playwright, browser);
    }

    public async Task<IPage> OpenAsync(Uri address)
    {
        var page = await _browser.NewPageAsync(new() { ViewportSize = new() { Width = 1500, Height = 1000 } });
        page.SetDefaultTimeout(30_000);
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        page.Console += (_, message) => { if (message.Type == "error") errors.Add(message.Text); };
        await page.GotoAsync(address.ToString());
        page.Context.SetDefaultTimeout(30_000);
        Errors[page] = errors;
        return page;
    }

    /// <summary>What each page wrote to its console as an error, or threw.</summary>
    public Dictionary<IPage, List<string>> Errors { get; } = [];

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, name + ".png") });

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
