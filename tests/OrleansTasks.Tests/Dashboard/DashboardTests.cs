using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OrleansTasks.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace OrleansTasks.Tests.Dashboard;

/// <summary>
/// The dashboard end to end: the product's silo process on PostgreSQL, driven in headless Chromium as a person would use
/// it. Every test also checks that the browser reported no error.
/// </summary>
[Collection(nameof(DashboardCollection))]
public sealed partial class DashboardTests(DashboardFixture dashboard) : IAsyncLifetime
{
    private readonly List<DashboardPage> _pages = [];

    [Fact]
    public async Task AWrongKeyCannotSignIn_TheSecretKeyCan_AndNewRunsAppearWithoutReloading()
    {
        var browser = await OpenAsync(signIn: false);
        var page = browser.Page;
        await browser.SignInAsync("not-the-key-but-long-enough-to-look-like-one");
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/signin"));
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not one of this silo's secret keys");
        await page.GotoAsync("/dashboard/tasks");
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/signin"));

        await browser.SignInAsync(DashboardFixture.SecretKey);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Runs" })).ToBeVisibleAsync();
        await browser.WaitForCircuitAsync();

        var handle = await dashboard.Tasks.TriggerAsync("hello-world", """{"name":"Live"}""", new TriggerOptions { Tags = ["dashboard-live"] });
        await Expect(page.Locator($"tr[data-run='{handle.Id}']")).ToBeVisibleAsync();
        await Expect(page.Locator($"tr[data-run='{handle.Id}'] [data-status]")).ToHaveTextAsync("COMPLETED");
        await browser.ScreenshotAsync("runs");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/signin"));
        await page.GotoAsync("/dashboard");
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/signin"));
    }

    [Fact]
    public async Task TheTestPage_TriggersATask_AndTheRunReachesCompleted_WithItsLogsAndTimeline()
    {
        var browser = await OpenAsync();
        var page = browser.Page;
        await page.GotoAsync("/dashboard/tasks");
        await browser.WaitForCircuitAsync();
        await Expect(page.Locator("tr[data-task='approval']")).ToBeVisibleAsync();
        await browser.ScreenshotAsync("tasks");
        await page.Locator("tr[data-task='hello-world']").GetByRole(AriaRole.Link, new() { Name = "Test" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Test hello-world" })).ToBeVisibleAsync();

        // Pre-filled from the payload type's schema.
        var editor = page.GetByLabel("Payload (HelloPayload, JSON)");
        await Expect(editor).ToHaveValueAsync(new Regex("\"name\""));

        await editor.FillAsync("""{"name":"Ada"}""");
        await page.GetByLabel("Tags").FillAsync("from-test-page");
        await browser.ScreenshotAsync("test-task");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run test" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/runs/run_"));
        await Expect(page.Locator("h1 [data-status]")).ToHaveTextAsync("COMPLETED");
        await Expect(page.Locator("pre[data-json='Output']")).ToContainTextAsync("Hello, Ada!");
        await Expect(page.Locator("section.logs")).ToContainTextAsync("Saying hello to Ada");
        await Expect(page.Locator("li.attempt[data-attempt='1']")).ToContainTextAsync("Completed");
        await Expect(page.Locator("dl.facts")).ToContainTextAsync("from-test-page");
        await browser.ScreenshotAsync("run");
    }

    [Fact]
    public async Task ABadPayload_ShowsWhatIsWrong_AndTriggersNothing()
    {
        var browser = await OpenAsync();
        var page = browser.Page;
        await page.GotoAsync("/dashboard/tasks/hello-world/test");
        await browser.WaitForCircuitAsync();
        var editor = page.GetByLabel("Payload (HelloPayload, JSON)");
        var run = page.GetByRole(AriaRole.Button, new() { Name = "Run test" });
        var problems = page.Locator("ul.validation");

        await editor.FillAsync("""{"name": ""}""");
        await run.ClickAsync();
        await Expect(problems).ToContainTextAsync("Name");

        await editor.FillAsync("""{"name": 5}""");
        await run.ClickAsync();
        await Expect(problems).ToContainTextAsync("name");

        await editor.FillAsync("{ not json");
        await run.ClickAsync();
        await Expect(problems).ToContainTextAsync("payload:");

        await editor.FillAsync("""{"name": "Ok"}""");
        await page.GetByLabel("Delay").FillAsync("soon");
        await run.ClickAsync();
        await Expect(problems).ToContainTextAsync("Delay: 'soon' is not a delay");
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/tasks/hello-world/test"));
    }

    [Fact]
    public async Task Replay_WithAnEditedPayload_StartsANewRunWithIt()
    {
        var handle = await dashboard.Tasks.TriggerAsync("hello-world", """{"name":"Grace"}""");
        await dashboard.Tasks.Runs.PollAsync(handle.Id).Within(TimeSpan.FromSeconds(60), "the run to end");
        var browser = await OpenAsync();
        var page = browser.Page;
        await page.GotoAsync($"/dashboard/runs/{handle.Id}");
        await browser.WaitForCircuitAsync();
        await Expect(page.Locator("pre[data-json='Output']")).ToContainTextAsync("Hello, Grace!");

        await page.GetByRole(AriaRole.Button, new() { Name = "Replay…" }).ClickAsync();
        await page.GetByLabel("Payload for the new run").FillAsync("""{"name":"Hopper"}""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Replay with this payload" }).ClickAsync();

        await Expect(page).Not.ToHaveURLAsync(new Regex(Regex.Escape(handle.Id) + "$"));
        await Expect(page.Locator("h1 [data-status]")).ToHaveTextAsync("COMPLETED");
        await Expect(page.Locator("pre[data-json='Output']")).ToContainTextAsync("Hello, Hopper!");
        await Expect(page.Locator("dl.facts")).ToContainTextAsync(handle.Id);
    }

    [Fact]
    public async Task CompletingTheTokenARunWaitsFor_LetsItGoOn()
    {
        var handle = await dashboard.Tasks.TriggerAsync("approval", """{"subject":"release 1.0"}""");
        var browser = await OpenAsync();
        var page = browser.Page;
        await page.GotoAsync($"/dashboard/runs/{handle.Id}");
        await browser.WaitForCircuitAsync();
        await Expect(page.Locator("h1 [data-status]")).ToHaveTextAsync("WAITING");

        await page.GetByLabel("Data to complete it with (JSON)").FillAsync("""{"approved": true}""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Complete token" }).ClickAsync();

        await Expect(page.Locator("h1 [data-status]")).ToHaveTextAsync("COMPLETED");
        await Expect(page.Locator("pre[data-json='Output']")).ToContainTextAsync("\"approved\": true");
        var run = await dashboard.Tasks.Runs.RetrieveAsync(handle.Id);
        Assert.True(JsonDocument.Parse(run.OutputJson!).RootElement.GetProperty("approved").GetBoolean());

        // The timeline shows the task's hooks around the token wait, with the wait itself between them.
        var ops = page.Locator("li.attempt[data-attempt='1'] ol.ops > li");
        await Expect(ops.Filter(new() { HasText = "OnWaitAsync" })).ToHaveCountAsync(1);
        await Expect(ops.Filter(new() { HasText = "OnResumeAsync" })).ToHaveCountAsync(1);
        var order = await ops.EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.hook ?? i.dataset.op)");
        var wait = Array.FindIndex(order, o => o.StartsWith("Wait", StringComparison.Ordinal));
        Assert.True(wait >= 0, $"no wait in the timeline: {string.Join(", ", order)}");
        Assert.True(Array.IndexOf(order, "OnWaitAsync") < Array.IndexOf(order, "OnResumeAsync"), string.Join(", ", order));
        await browser.ScreenshotAsync("run-timeline");
    }

    [Fact]
    public async Task CancellingAWaitingRun_EndsItCanceled()
    {
        var handle = await dashboard.Tasks.TriggerAsync("approval", """{"subject":"never answered"}""");
        var browser = await OpenAsync();
        var page = browser.Page;
        await page.GotoAsync($"/dashboard/runs/{handle.Id}");
        await browser.WaitForCircuitAsync();
        await Expect(page.Locator("h1 [data-status]")).ToHaveTextAsync("WAITING");

        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel run" }).ClickAsync();

        await Expect(page.Locator("h1 [data-status]")).ToHaveTextAsync("CANCELED");
        Assert.Equal(RunStatus.Canceled, (await dashboard.Tasks.Runs.RetrieveAsync(handle.Id)).Status);
    }

    [Fact]
    public async Task TheRunsPage_FiltersByTag()
    {
        var tag = "only-" + Guid.NewGuid().ToString("N")[..8];
        var wanted = await dashboard.Tasks.TriggerAsync("hello-world", """{"name":"Wanted"}""", new TriggerOptions { Tags = [tag] });
        var other = await dashboard.Tasks.TriggerAsync("hello-world", """{"name":"Other"}""", new TriggerOptions { Tags = ["other"] });
        var browser = await OpenAsync();
        var page = browser.Page;
        await browser.WaitForCircuitAsync();
        await page.GetByLabel("Tag").FillAsync(tag);
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("tag=" + tag));
        await Expect(page.Locator($"tr[data-run='{wanted.Id}']")).ToBeVisibleAsync();
        await Expect(page.Locator("tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator($"tr[data-run='{other.Id}']")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task CancellingTheMatchingRuns_AsksFirst_ThenCancelsOnlyThem()
    {
        var tag = "bulk-" + Guid.NewGuid().ToString("N")[..8];
        var waiting = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            waiting.Add((await dashboard.Tasks.TriggerAsync("approval", $$"""{"subject":"bulk {{i}}"}""", new TriggerOptions { Tags = [tag] })).Id);
        }

        var bystander = await dashboard.Tasks.TriggerAsync("approval", """{"subject":"not tagged"}""");
        var browser = await OpenAsync();
        var page = browser.Page;
        await page.GotoAsync($"/dashboard?tag={tag}");
        await browser.WaitForCircuitAsync();
        await Expect(page.Locator("tbody tr")).ToHaveCountAsync(3);

        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel matching runs…" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Cancel every unfinished run that matches these filters?");
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, cancel them" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Cancelled 3 runs.");
        await Expect(page.Locator("tbody [data-status='CANCELED']")).ToHaveCountAsync(3);
        foreach (var id in waiting)
        {
            Assert.Equal(RunStatus.Canceled, (await dashboard.Tasks.Runs.RetrieveAsync(id)).Status);
        }

        Assert.False((await dashboard.Tasks.Runs.RetrieveAsync(bystander.Id)).IsFinal);
        await dashboard.Tasks.Runs.CancelAsync(bystander.Id);
    }

    [Fact]
    public async Task ASchedule_IsCreated_WithItsNextOccurrences_ABadCronIsRefused_AndItIsDeleted()
    {
        var key = "dash-" + Guid.NewGuid().ToString("N")[..8];
        var browser = await OpenAsync();
        var page = browser.Page;
        await page.GotoAsync("/dashboard/schedules");
        await browser.WaitForCircuitAsync();
        await Expect(page.Locator("tr[data-schedule]", new() { HasText = "declared in code" }).First).ToBeVisibleAsync();

        await page.GetByLabel("Task").SelectOptionAsync("hourly-digest");
        await page.GetByLabel("Cron").FillAsync("61 * * * *");
        await page.GetByLabel("Deduplication key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create schedule" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("minute");
        await Expect(page.Locator($"tr[data-dedup='{key}']")).ToHaveCountAsync(0);

        await page.GetByLabel("Cron").FillAsync("0 9 * * 1-5");
        await page.GetByLabel("Time zone").FillAsync("Europe/London");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create schedule" }).ClickAsync();
        var row = page.Locator($"tr[data-dedup='{key}']");
        await Expect(row).ToContainTextAsync("0 9 * * 1-5");
        await Expect(row).ToContainTextAsync("Europe/London");
        await Expect(row.Locator("td").Nth(3)).ToContainTextAsync(":00:00");
        await browser.ScreenshotAsync("schedules");
        Assert.Contains((await dashboard.Tasks.Schedules.ListAsync()).Data, s => s.DeduplicationKey == key);

        await row.GetByRole(AriaRole.Button, new() { Name = "Delete…" }).ClickAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Yes, delete" }).ClickAsync();
        await Expect(page.Locator($"tr[data-dedup='{key}']")).ToHaveCountAsync(0);
        Assert.DoesNotContain((await dashboard.Tasks.Schedules.ListAsync()).Data, s => s.DeduplicationKey == key);
    }

    [Fact]
    public async Task AQueue_IsPaused_AndResumed()
    {
        var browser = await OpenAsync();
        var page = browser.Page;
        await page.GotoAsync("/dashboard/queues");
        await browser.WaitForCircuitAsync();
        var row = page.Locator("tr[data-queue='one-minute']");
        await Expect(row).ToBeVisibleAsync();
        await browser.ScreenshotAsync("queues");

        await row.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        await Expect(row.Locator("[data-paused]")).ToHaveTextAsync("paused");
        Assert.True((await dashboard.Tasks.Queues.RetrieveAsync("one-minute")).Paused);

        await row.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await Expect(row.Locator("[data-paused]")).ToHaveTextAsync("running");
        Assert.False((await dashboard.Tasks.Queues.RetrieveAsync("one-minute")).Paused);
    }

    [Fact]
    public async Task TheTokensPage_CompletesAToken_AndTheRunWaitingForItGoesOn()
    {
        var handle = await dashboard.Tasks.TriggerAsync("approval", """{"subject":"from the tokens page"}""");
        var token = await Eventually.Poll(
            async () => (await dashboard.Tasks.Runs.RetrieveAsync(handle.Id)).Journal.FirstOrDefault(op => op.TokenId is not null)?.TokenId,
            id => id is not null, TimeSpan.FromSeconds(60), "the run to create its token");
        var browser = await OpenAsync();
        var page = browser.Page;
        await page.GotoAsync("/dashboard/tokens");
        await browser.WaitForCircuitAsync();

        await page.Locator($"tr[data-token='{token}']").GetByRole(AriaRole.Button, new() { Name = "Complete…" }).ClickAsync();
        await page.GetByLabel($"Data to complete {token} with (JSON)").FillAsync("""{"approved": false}""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Complete token" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Token {token} completed.");

        var run = await dashboard.Tasks.Runs.PollAsync(handle.Id).Within(TimeSpan.FromSeconds(60), "the run to go on");
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.False(JsonDocument.Parse(run.OutputJson!).RootElement.GetProperty("approved").GetBoolean());
    }

    [Fact]
    public async Task ARunsDataStream_ShowsOnItsPageAsItArrives()
    {
        var handle = await dashboard.Tasks.TriggerAsync("write-story", """{"wordDelay":"00:00:00.200"}""");
        var browser = await OpenAsync();
        var page = browser.Page;
        await page.GotoAsync($"/dashboard/runs/{handle.Id}");
        await browser.WaitForCircuitAsync();

        var story = page.Locator("pre[data-stream='story']");
        await Expect(story).ToContainTextAsync("Once upon a time");
        await Expect(page.Locator("h1 [data-status]")).ToHaveTextAsync("COMPLETED");
        await Expect(story).ToHaveTextAsync("Once upon a time a small silo kept a promise: every run it accepted would finish, even when its neighbours fell over in the night.");
        await Expect(page.Locator("pre[data-json='Metadata']")).ToContainTextAsync("\"done\"");
        await browser.ScreenshotAsync("run-stream");
    }

    [Fact]
    public async Task TheClustersOwnDashboard_IsServedBehindTheSameSignIn()
    {
        var browser = await OpenAsync();
        var counters = await browser.Page.APIRequest.GetAsync("/dashboard/cluster/DashboardCounters");
        Assert.Equal(200, counters.Status);
        Assert.Contains("\"totalActiveHostCount\"", await counters.TextAsync(), StringComparison.OrdinalIgnoreCase);

        var stranger = await OpenAsync(signIn: false);
        var refused = await stranger.Page.APIRequest.GetAsync("/dashboard/cluster/DashboardCounters", new() { MaxRedirects = 0 });
        Assert.Equal(302, refused.Status);
        Assert.Contains("/dashboard/signin", refused.Headers["location"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheKeyboardAlone_ReachesTheSectionsAndTheRuns_AndOpensOne()
    {
        var handle = await dashboard.Tasks.TriggerAsync("hello-world", """{"name":"Keys"}""");
        await dashboard.Tasks.Runs.PollAsync(handle.Id).Within(TimeSpan.FromSeconds(60), "the run to end");
        var browser = await OpenAsync();
        var page = browser.Page;
        await browser.WaitForCircuitAsync();
        await Expect(page.Locator($"tr[data-run='{handle.Id}']")).ToBeVisibleAsync();

        // The page puts focus on its heading; Tab goes on through the filters to the runs, Shift+Tab back to the sections.
        var forward = await TabThroughAsync(page, "Tab", until: handle.Id);
        Assert.Contains("Filter", forward);
        Assert.Contains(handle.Id, forward);
        await page.Locator("h1").FocusAsync();
        var backward = await TabThroughAsync(page, "Shift+Tab", until: "OrleansTasks");
        Assert.Contains("Tasks", backward);
        Assert.Contains("Schedules", backward);
        Assert.Contains("Queues", backward);

        await page.Locator($"tr[data-run='{handle.Id}'] a").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(handle.Id)));
        await Expect(page.Locator("h1 [data-status]")).ToHaveTextAsync("COMPLETED");
    }

    [Fact]
    public async Task OnAPhone_TheRunsPageFits_AndNothingIsCutOff()
    {
        var browser = await OpenAsync(viewport: new ViewportSize { Width = 390, Height = 844 });
        var page = browser.Page;
        await browser.WaitForCircuitAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Runs" })).ToBeVisibleAsync();
        await browser.ScreenshotAsync("phone-runs");
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"The page is {overflow} px wider than the phone's screen.");
    }

    /// <summary>Presses <paramref name="key"/> until the focused element's text is <paramref name="until"/> (at most 60 times); returns the texts met.</summary>
    private static async Task<List<string>> TabThroughAsync(IPage page, string key, string until)
    {
        var reached = new List<string>();
        for (var i = 0; i < 60 && !reached.Contains(until); i++)
        {
            await page.Keyboard.PressAsync(key);
            reached.Add(await page.EvaluateAsync<string>("() => (document.activeElement?.textContent ?? '').trim()"));
        }

        return reached;
    }

    private async Task<DashboardPage> OpenAsync(bool signIn = true, ViewportSize? viewport = null)
    {
        var page = await dashboard.OpenAsync(signIn, viewport);
        _pages.Add(page);
        return page;
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        var errors = _pages.SelectMany(p => p.Errors).ToList();
        foreach (var page in _pages)
        {
            await page.DisposeAsync();
        }

        Assert.True(errors.Count == 0, "The browser reported errors:\n" + string.Join("\n", errors));
    }
}

[CollectionDefinition(nameof(DashboardCollection))]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>;
