using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace OrleansTasks.Tests.Api;

/// <summary>The per-credential rate limit: past its bucket a caller gets 429 with when to come back; others are not held up.</summary>
public sealed class ApiRateLimitTests(RateLimitedApiFixture api) : IClassFixture<RateLimitedApiFixture>
{
    [Fact]
    public async Task PastItsBucket_ACredentialGets429_WithWhenToComeBack_AndOthersGoOn()
    {
        using var http = new HttpClient { BaseAddress = new Uri(api.BaseUrl) };
        for (var i = 0; i < 3; i++)
        {
            using var allowed = await GetAsync(http, api.SecretKey);
            Assert.NotEqual(HttpStatusCode.TooManyRequests, allowed.StatusCode);
        }

        using var refused = await GetAsync(http, api.SecretKey);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After is set");
        var reset = long.Parse(refused.Headers.GetValues("x-ratelimit-reset").Single(), CultureInfo.InvariantCulture);
        Assert.True(DateTimeOffset.FromUnixTimeMilliseconds(reset) > DateTimeOffset.UtcNow, "x-ratelimit-reset is in the future");
        Assert.Equal("rate_limited", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        // Another credential has its own bucket (a wrong key is refused as such, not as rate limited).
        using var other = await GetAsync(http, "tr_dev_" + new string('o', 40));
        Assert.Equal(HttpStatusCode.Unauthorized, other.StatusCode);
    }

    private static Task<HttpResponseMessage> GetAsync(HttpClient http, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/runs?page[size]=1");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http.SendAsync(request);
    }
}
