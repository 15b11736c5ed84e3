using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace OrleansTasks.Tests.Dashboard;

/// <summary>The product silo in development mode (in memory) with no secret key: the dashboard is open, and says so.</summary>
public sealed class OpenDashboardFixture() : DashboardFixture(development: true);

[CollectionDefinition(nameof(OpenDashboardCollection))]
public sealed class OpenDashboardCollection : ICollectionFixture<OpenDashboardFixture>;

[Collection(nameof(OpenDashboardCollection))]
public sealed class OpenDashboardTests(OpenDashboardFixture dashboard)
{
    [Fact]
    public async Task InDevelopmentModeWithNoKey_TheDashboardIsOpen_WithABannerSayingSo_AndWorks()
    {
        await using var browser = await dashboard.OpenAsync(signIn: false);
        var page = browser.Page;
        await page.GotoAsync("/dashboard");
        await browser.WaitForCircuitAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Runs" })).ToBeVisibleAsync();
        await Expect(page.Locator(".banner")).ToContainTextAsync("open to anyone who can reach it");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToHaveCountAsync(0);

        await page.GotoAsync("/dashboard/tasks/hello-world/test");
        await browser.WaitForCircuitAsync();
        await page.GetByLabel("Payload (HelloPayload, JSON)").FillAsync("""{"name":"Dev"}""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run test" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/runs/run_"));
        await Expect(page.Locator("h1 [data-status]")).ToHaveTextAsync("COMPLETED");
        await Expect(page.Locator("pre[data-json='Output']")).ToContainTextAsync("Hello, Dev!");
        Assert.Empty(browser.Errors);
    }
}
