using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Playwright;
using OrleansTasks.Tests.Infrastructure;

namespace OrleansTasks.Tests.Dashboard;

/// <summary>
/// The product's silo (Silo/, with its sample tasks) as a process on PostgreSQL with a secret key, an external client to
/// its cluster, and a headless Chromium driven through Playwright: Debian's <c>chromium</c> (test.sh installs it), never a
/// downloaded browser. Each test opens its own browser context.
/// </summary>
public class DashboardFixture : IAsyncLifetime
{
    public const string SecretKey = "ot_dashboard_test_secret_key_0123456789";

    private readonly bool _development;

    public DashboardFixture()
        : this(development: false)
    {
    }

    /// <param name="development">
    /// Run the silo in development mode (in memory) with no secret key, where the dashboard is open: there is then no
    /// external client (<see cref="Tasks"/> throws) and nothing to sign in with.
    /// </param>
    protected DashboardFixture(bool development)
    {
        _development = development;
    }

    private readonly string _serviceId = "dash-" + Guid.NewGuid().ToString("N")[..8];
    private PostgresDatabase? _database;
    private SiloProcess? _silo;
    private PostgresClusterClient? _client;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public string BaseUrl { get; private set; } = "";

    public ITaskClient Tasks => (_client ?? throw new InvalidOperationException("Not started.")).Tasks;

    public string SiloOutput => _silo?.Output ?? "";

    public async ValueTask InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch
        {
            await DisposeAsync(); // A silo process left running would outlive the test run.
            throw;
        }
    }

    private async Task StartAsync()
    {
        var port = SiloProcess.FreePort();
        BaseUrl = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        var settings = new Dictionary<string, string>
        {
            ["Urls"] = BaseUrl,
            ["Samples__TriggerOnStart"] = "false",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information", // "Application started.": the silo is ready
        };
        if (_development)
        {
            _silo = await SiloProcess.StartAsync(connectionString: "", _serviceId, settings, SiloProcess.ProductSiloPath);
        }
        else
        {
            _database = await PostgresDatabase.CreateAsync();
            settings["OrleansTasks__Api__SecretKeys__0"] = SecretKey;
            _silo = await SiloProcess.StartAsync(_database.ConnectionString, _serviceId, settings, SiloProcess.ProductSiloPath);
            _client = await PostgresClusterClient.ConnectAsync(_database.ConnectionString, _serviceId);
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath(),
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
    }

    /// <summary>A fresh browser context (its own cookies) at 1280×800, or <paramref name="viewport"/>; signed in unless told not to.</summary>
    public async Task<DashboardPage> OpenAsync(bool signIn = true, ViewportSize? viewport = null)
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = viewport ?? new ViewportSize { Width = 1280, Height = 800 },
        });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        var dashboard = new DashboardPage(context, page);
        if (signIn)
        {
            await dashboard.SignInAsync(SecretKey);
        }

        return dashboard;
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    private static string ChromiumPath()
    {
        var candidates = new[] { Environment.GetEnvironmentVariable("ORLEANSTASKS_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser" };
        return candidates.FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p))
            ?? throw new InvalidOperationException("No Chromium found: install Debian's 'chromium' package (test.sh does), or set ORLEANSTASKS_CHROMIUM to its path.");
    }
}

/// <summary>One browser context on the dashboard, collecting the console's errors and the page's uncaught exceptions.</summary>
public sealed class DashboardPage(IBrowserContext context, IPage page) : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _errors = Watch(page);

    public IPage Page => page;

    /// <summary>What the browser reported as errors (console errors and uncaught exceptions).</summary>
    public IReadOnlyCollection<string> Errors => _errors;

    public async Task SignInAsync(string key)
    {
        await page.GotoAsync("/dashboard");
        await page.GetByLabel("Secret API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    /// <summary>Waits for Blazor's circuit: interactive handlers work only once it is connected.</summary>
    public Task WaitForCircuitAsync() =>
        page.WaitForFunctionAsync("() => window.Blazor !== undefined && document.querySelector('[data-ready]') !== null");

    /// <summary>
    /// Saves the page as <c>{name}.png</c> in the folder ORLEANSTASKS_SCREENSHOTS names (README's screenshots are made so);
    /// without it, does nothing.
    /// </summary>
    public async Task ScreenshotAsync(string name)
    {
        if (Environment.GetEnvironmentVariable("ORLEANSTASKS_SCREENSHOTS") is { Length: > 0 } folder)
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = false });
        }
    }

    public async ValueTask DisposeAsync() => await context.DisposeAsync();

    private static ConcurrentQueue<string> Watch(IPage page)
    {
        var errors = new ConcurrentQueue<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Enqueue($"{message.Text} ({message.Location})");
            }
        };
        page.PageError += (_, error) => errors.Enqueue(error);
        return errors;
    }
}
