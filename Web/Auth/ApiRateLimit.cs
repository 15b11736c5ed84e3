using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using OrleansTasks.Web.Errors;

namespace OrleansTasks.Web.Auth;

/// <summary>
/// The API's rate limit, per credential (a key, or a public token: each has its own bucket; an anonymous request is
/// counted by its address): Trigger.dev's self-hosted token bucket, <see cref="ApiOptions.RateLimit"/>. A request past
/// it gets 429 with <c>Retry-After</c> (seconds) and <c>x-ratelimit-reset</c> (when, in milliseconds since 1970, which
/// Trigger.dev's SDK waits for before it tries again).
/// </summary>
internal sealed class ApiRateLimit : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly ApiRateLimitOptions _options;
    private readonly TimeProvider _time;

    public ApiRateLimit(IOptions<ApiOptions> options, TimeProvider time)
    {
        _options = options.Value.RateLimit;
        _time = time;
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = _options.Burst,
            TokensPerPeriod = _options.Refill,
            ReplenishmentPeriod = _options.RefillPeriod,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        _limiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => bucket));
    }

    /// <summary>Takes a token for the request's caller, or refuses it with 429.</summary>
    public void Take(HttpContext context)
    {
        if (!_options.Enabled)
        {
            return;
        }

        using var lease = _limiter.AttemptAcquire(Partition(context));
        if (lease.IsAcquired)
        {
            return;
        }

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : _options.RefillPeriod;
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["x-ratelimit-limit"] = _options.Burst.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["x-ratelimit-reset"] = (_time.GetUtcNow() + TimeSpan.FromSeconds(seconds)).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        throw new ApiException(StatusCodes.Status429TooManyRequests, "rate_limited",
            $"Too many requests with this credential: at most {_options.Burst} at once, then {_options.Refill} every {_options.RefillPeriod.TotalSeconds:0.#} s. Try again in {seconds} s.");
    }

    public void Dispose() => _limiter.Dispose();

    private static string Partition(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        return header.Length > 0
            ? Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(header)))
            : "address:" + context.Connection.RemoteIpAddress;
    }
}

/// <summary>The API's per-credential token bucket (<c>OrleansTasks:Api:RateLimit</c>); Trigger.dev's self-hosted defaults.</summary>
public sealed class ApiRateLimitOptions
{
    /// <summary>Whether requests are limited at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The most requests a credential may make at once (the bucket's size).</summary>
    public int Burst { get; set; } = 750;

    /// <summary>How many requests the bucket regains every <see cref="RefillPeriod"/>.</summary>
    public int Refill { get; set; } = 250;

    /// <summary>How often the bucket regains <see cref="Refill"/> requests.</summary>
    public TimeSpan RefillPeriod { get; set; } = TimeSpan.FromSeconds(10);
}
