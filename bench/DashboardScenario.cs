using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Playwright;
using Npgsql;
using OrleansTasks.Storage.Postgres;

namespace OrleansTasks.Bench;

/// <summary>
/// How long the dashboard's runs page takes to load over a big table: fills the runs table with N synthetic runs (see
/// <see cref="ListRunsFill"/>; the unfinished ones are removed, since their tasks exist nowhere), starts the product
/// silo (Silo/) on that database, signs in with headless Chromium (Debian's, through Playwright), and times loading
/// <c>/dashboard</c> until its table shows, and until it is interactive, unfiltered and filtered.
/// </summary>
internal static class DashboardScenario
{
    private const string SecretKey = "bench_dashboard_secret_key_0123456789";

    public static async Task<string> RunAsync(BenchArguments arguments)
    {
        var rows = arguments.GetInt("rows", 1_000_000);
        var repetitions = arguments.GetInt("repetitions", 20);
        var connectionString = arguments.Get("postgres")
            ?? throw new ArgumentException("The dashboard scenario needs a database: --postgres \"<connection string>\".");

        await using (var dataSource = OrleansTasks.Hosting.SiloBuilderExtensions.CreateRunStoreDataSource(connectionString))
        {
            await new PostgresMigrator(dataSource, NullLogger<PostgresMigrator>.Instance).MigrateAsync(CancellationToken.None);
            if (arguments.Get("fill") != "no")
            {
                var filling = Stopwatch.StartNew();
                await ListRunsFill.FillAsync(dataSource, rows);
                await using var unfinished = dataSource.CreateCommand("DELETE FROM runs WHERE service_id = $1 AND final_status IS NULL");
                unfinished.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ListRunsFill.ServiceId });
                unfinished.CommandTimeout = 0;
                await unfinished.ExecuteNonQueryAsync();
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"progress: filled in {filling.Elapsed.TotalSeconds:F1} s"));
            }

            await using var count = dataSource.CreateCommand("SELECT count(*) FROM runs WHERE service_id = $1");
            count.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ListRunsFill.ServiceId });
            rows = (int)(long)(await count.ExecuteScalarAsync())!;
        }

        var url = $"http://127.0.0.1:{BenchCluster.FreePort().ToString(CultureInfo.InvariantCulture)}";
        using var silo = StartSilo(connectionString, url);
        try
        {
            await WaitUntilUpAsync(url, silo);
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = new[] { Environment.GetEnvironmentVariable("ORLEANSTASKS_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser" }
                    .FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p))
                    ?? throw new InvalidOperationException("No Chromium: install Debian's 'chromium' package, or set ORLEANSTASKS_CHROMIUM."),
                Headless = true,
                Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
            });
            await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = url, ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
            var page = await context.NewPageAsync();
            await page.GotoAsync("/dashboard");
            await page.GetByLabel("Secret API key").FillAsync(SecretKey);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await page.Locator("tbody tr").First.WaitForAsync();

            var results = new List<string>();
            foreach (var (name, path) in new[] { ("all", "/dashboard"), ("failed", "/dashboard?status=FAILED"), ("task", "/dashboard?task=task-7") })
            {
                var shown = new double[repetitions];
                var interactive = new double[repetitions];
                for (var i = 0; i < repetitions; i++)
                {
                    var clock = Stopwatch.StartNew();
                    await page.GotoAsync(path, new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
                    await page.Locator("tbody tr").First.WaitForAsync();
                    shown[i] = clock.Elapsed.TotalMilliseconds;
                    await page.Locator("main[data-ready]").WaitForAsync();
                    interactive[i] = clock.Elapsed.TotalMilliseconds;
                }

                Array.Sort(shown);
                Array.Sort(interactive);
                results.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{name}_shown_p50_ms={ThroughputScenario.Percentile(shown, 0.5):F0} {name}_shown_max_ms={shown[^1]:F0} {name}_interactive_p50_ms={ThroughputScenario.Percentile(interactive, 0.5):F0}"));
            }

            return string.Create(CultureInfo.InvariantCulture, $"dashboard rows={rows} repetitions={repetitions} {string.Join(' ', results)}");
        }
        finally
        {
            silo.Kill(entireProcessTree: true);
        }
    }

    private static Process StartSilo(string connectionString, string url)
    {
        // bench/bin/<Configuration>/<framework>/ → Silo/bin/<Configuration>/<framework>/OrleansTasks.Silo.dll
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Path.Combine(output.Parent!.Parent!.Parent!.Parent!.FullName, "Silo", "bin", output.Parent.Name, output.Name, "OrleansTasks.Silo.dll");
        var start = new ProcessStartInfo("dotnet", [path]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["ConnectionStrings__OrleansTasks"] = connectionString;
        start.Environment["Orleans__ServiceId"] = ListRunsFill.ServiceId;
        start.Environment["Orleans__ClusterId"] = ListRunsFill.ServiceId;
        start.Environment["Orleans__SiloPort"] = BenchCluster.FreePort().ToString(CultureInfo.InvariantCulture);
        start.Environment["Orleans__GatewayPort"] = BenchCluster.FreePort().ToString(CultureInfo.InvariantCulture);
        start.Environment["Urls"] = url;
        start.Environment["OrleansTasks__Api__SecretKeys__0"] = SecretKey;
        start.Environment["OrleansTasks__RunRetention"] = ""; // the synthetic runs go back 30 days: keep them all
        start.Environment["Samples__TriggerOnStart"] = "false";
        var process = Process.Start(start) ?? throw new InvalidOperationException("The silo did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitUntilUpAsync(string url, Process silo)
    {
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline && !silo.HasExited)
        {
            try
            {
                if ((await http.GetAsync("/dashboard/signin")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(500);
        }

        throw new InvalidOperationException("The silo did not answer on " + url + ".");
    }
}
