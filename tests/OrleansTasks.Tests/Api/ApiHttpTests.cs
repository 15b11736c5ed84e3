using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Web.Hosting;

namespace OrleansTasks.Tests.Api;

/// <summary>The HTTP API at the wire, as any HTTP client meets it: who may call it, and what a bad request gets back.</summary>
[Collection(ApiCollection.Name)]
public sealed class ApiHttpTests(ApiFixture api) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri(api.BaseUrl) };

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task EveryMappedRoute_WithoutAKey_OrWithAWrongOne_IsRefused_AndChangesNothing()
    {
        var routes = api.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IEndpointGroupNameMetadata>()?.EndpointGroupName == OrleansTasksApi.DocumentName)
            .Where(e => e.Metadata.GetMetadata<OrleansTasks.Web.Auth.AnonymousApiEndpoint>() is null)
            .Select(e => (Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"], Path: "/" + string.Join('/', e.RoutePattern.PathSegments.Select(
                segment => string.Concat(segment.Parts.Select(p => p is Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal ? literal.Content : "run_x"))))))
            .ToList();
        Assert.NotEmpty(routes);
        var before = await CountRunsAsync();

        foreach (var (methods, path) in routes)
        {
            foreach (var method in methods)
            {
                foreach (var authorization in new[] { null, "Bearer tr_dev_wrong_key_wrong_key_wrong_key_wrong", "Bearer a.b.c", $"Basic {api.SecretKey}" })
                {
                    using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("""{"payload":"{\"json\":{\"value\":1}}"}""", Encoding.UTF8, "application/json") };
                    if (authorization is not null)
                    {
                        request.Headers.TryAddWithoutValidation("Authorization", authorization);
                    }

                    using var response = await _http.SendAsync(request);
                    Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} with '{authorization}' answered {(int)response.StatusCode}");
                    var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
                    Assert.Equal("unauthorized", problem.GetProperty("code").GetString());
                }
            }
        }

        Assert.Equal(before, await CountRunsAsync());
    }

    [Fact]
    public async Task BadRequests_GetAProblemThatSaysWhatWasWrong_AndCreateNothing()
    {
        var before = await CountRunsAsync();

        var badJson = await PostAsync("/api/v1/tasks/echo/trigger", """{"payload": {"value": 1}, "options": {"tags": 5}}""");
        Assert.Equal(HttpStatusCode.BadRequest, badJson.Status);
        Assert.Contains("'options.tags'", badJson.Problem.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("application/problem+json", badJson.ContentType);

        var notJson = await PostAsync("/api/v1/tasks/echo/trigger", """{"payload": """);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.Status);
        Assert.Equal("invalid_json", notJson.Problem.GetProperty("code").GetString());

        var badPacket = await PostAsync("/api/v1/tasks/echo/trigger", """{"payload": "{not superjson", "options": {"payloadType": "application/super+json"}}""");
        Assert.Equal(HttpStatusCode.BadRequest, badPacket.Status);
        Assert.Contains("'payload'", badPacket.Problem.GetProperty("error").GetString(), StringComparison.Ordinal);

        var badDelay = await PostAsync("/api/v1/tasks/echo/trigger", """{"payload": {"value": 1}, "options": {"delay": "soon"}}""");
        Assert.Equal(HttpStatusCode.BadRequest, badDelay.Status);
        Assert.Contains("'options.delay'", badDelay.Problem.GetProperty("error").GetString(), StringComparison.Ordinal);

        var huge = await PostAsync("/api/v1/tasks/echo/trigger", Payload(new string('x', 5 * 1024 * 1024)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.Status);

        var tooBigPayload = await PostAsync("/api/v1/tasks/echo/trigger", Payload(new string('x', (3 * 1024 * 1024) + 100)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBigPayload.Status);
        Assert.Equal("payload_too_large", tooBigPayload.Problem.GetProperty("code").GetString());

        var unknown = await PostAsync("/api/v1/tasks/no-such-task/trigger", """{"payload": {}}""");
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);

        Assert.Equal(before, await CountRunsAsync());
    }

    [Fact]
    public async Task TheTimeZones_NeedNoKey_AsTheSdkAsksForThemWithout()
    {
        using var response = await _http.GetAsync("/api/v1/timezones");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Europe/London", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("timezones").EnumerateArray().Select(z => z.GetString()));
    }

    [Fact]
    public async Task TheOpenApiDocument_DescribesEveryRoute_AndTheReferencePageServesIt()
    {
        using var document = await _http.GetAsync("/api/openapi/orleanstasks.json");
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        var paths = (await document.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("paths");
        foreach (var path in new[] { "/api/v1/tasks/{taskId}/trigger", "/api/v3/runs/{runId}", "/api/v1/runs", "/api/v3/batches", "/api/v1/schedules", "/api/v1/queues", "/api/v1/waitpoints/tokens" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"the document has {path}");
        }

        using var page = await _http.GetAsync("/api/reference");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("openapi/orleanstasks.json", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublicTokenClaims_NeedASecretKey()
    {
        var claims = await PostAsync("/api/v1/auth/jwt/claims", "");
        Assert.Equal(HttpStatusCode.OK, claims.Status);
        Assert.True(claims.Problem.GetProperty("pub").GetBoolean());
    }

    private static string Payload(string text) => JsonSerializer.Serialize(new { payload = new { value = 1, text } });

    private async Task<int> CountRunsAsync() => await api.Tasks.Runs.ListAsync(new RunFilter { PageSize = 1000 }).CountAsync();

    private async Task<(HttpStatusCode Status, JsonElement Problem, string? ContentType)> PostAsync(string path, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", api.SecretKey);

        // As a client sending a large body should: the server can refuse it (413) before it is sent.
        request.Headers.ExpectContinue = true;
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), response.Content.Headers.ContentType?.MediaType);
    }
}
