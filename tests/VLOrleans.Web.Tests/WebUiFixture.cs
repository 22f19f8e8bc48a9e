using Microsoft.Playwright;
using VLOrleans.Silo.Tests;
using VLOrleans.Silo.Tests.Api;

namespace VLOrleans.Web.Tests;

/// <summary>
/// One real server on the tiny random-weight model (as the Silo tests start it) and one headless Debian Chromium
/// (<c>/usr/bin/chromium</c>, installed by scripts/setup.sh; Playwright downloads nothing), shared by the browser
/// tests of <see cref="WebUiCollection"/>, which run one after another. Each test opens its own browser context,
/// so its localStorage (conversation list, language) starts empty. Screenshots go to
/// <c>TestResults/screenshots/</c> under the test output folder.
/// </summary>
public sealed class WebUiFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    // The flags the architecture notes found necessary here: no sandbox (containers lack user namespaces), no GPU,
    // and nothing that phones home.
    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    private readonly string _data = TinyModelServer.NewDataFolder();
    private ServerProcess? _server;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("not started");

    /// <summary>The server's data folder (its session store, sessions.db, is public state a test may seed).</summary>
    public string DataFolder => _data;

    public HttpClient Http { get; private set; } = null!;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("not started");

    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath)) throw new InvalidOperationException($"{ChromiumPath} is missing: run scripts/setup.sh (it installs Debian's chromium)");
        _server = await TinyModelServer.StartAsync(_data);
        Http = new HttpClient { BaseAddress = _server.BaseAddress, Timeout = TimeSpan.FromMinutes(1) };
        await ServerProbes.WaitUntilReadyAsync(Http, TimeSpan.FromSeconds(90));
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true, Args = ChromiumArgs });
        Directory.CreateDirectory(ScreenshotFolder);
    }

    /// <summary>A fresh browser context (own storage) with the UI loaded and its scripts running.</summary>
    public async Task<IPage> OpenAsync(string locale = "en-US", int width = 1280, int height = 860)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.BaseAddress.ToString(),
            Locale = locale,
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        await GoToUiAsync(page);
        return page;
    }

    /// <summary>Loads (or reloads) the UI and waits until main.js has wired the page.</summary>
    public static async Task GoToUiAsync(IPage page, bool reload = false)
    {
        if (reload) await page.ReloadAsync();
        else await page.GotoAsync("/");
        await page.WaitForSelectorAsync("body[data-ready=true]");
    }

    /// <summary>Picks a generation preset (e.g. length = short: 128 tokens keeps the tests quick on a loaded CPU).</summary>
    public static async Task ChooseAsync(IPage page, string name, string value)
    {
        if (!await page.Locator("#controls").EvaluateAsync<bool>("d => d.open")) await page.ClickAsync("#controls > summary");
        await page.CheckAsync($"input[name={name}][value={value}]");
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, $"{name}.png"), FullPage = false });

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
        if (_server is { IsRunning: false }) Console.Error.WriteLine($"server exited early:\n{_server.RecentOutput}");
        Http?.Dispose();
        if (_server is not null) await _server.DisposeAsync();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class WebUiCollection : ICollectionFixture<WebUiFixture>
{
    public const string Name = "web ui";
}
