using OrleansTasks.Web.Errors;

namespace OrleansTasks.Web.Auth;

internal static class HttpContextCaller
{
    /// <summary>The caller <see cref="ApiAccess"/> identified.</summary>
    public static ApiCaller Caller(this HttpContext context) =>
        context.Items[typeof(ApiCaller)] as ApiCaller ?? throw new InvalidOperationException("The API's access filter did not run for this endpoint.");

    /// <summary>
    /// The run, if the caller may read it (by its id, task, a tag or its batch); otherwise 403, with
    /// <paramref name="what"/> saying what was refused (by default, reading it).
    /// </summary>
    public static async Task<TaskRun> ReadableRunAsync(this HttpContext context, ITaskClient tasks, string runId, string? what = null)
    {
        var run = await tasks.Runs.RetrieveAsync(runId, context.RequestAborted);
        var caller = context.Caller();
        caller.Demand(caller.MayRead(run), what ?? $"reading the run {runId}");
        return run;
    }

    /// <summary>
    /// The engine's own client behind <paramref name="tasks"/>, for the few things the public interface does not offer
    /// (a batch's items under its id, realtime shapes that answer their snapshot first).
    /// </summary>
    public static TaskClient EngineClient(this ITaskClient tasks) =>
        tasks as TaskClient ?? throw new InvalidOperationException("The HTTP API needs the OrleansTasks client that AddOrleansTasksClient registers.");

    /// <summary>Refuses the request (403) unless it came with a secret key; <paramref name="what"/> says what needs one.</summary>
    public static void DemandSecretKey(this HttpContext context, string what)
    {
        var caller = context.Caller();
        caller.Demand(caller.HasSecretKey, $"{what} (it takes a secret key)");
    }

    /// <summary>
    /// Uses up a single-use token (a trigger token, unless it was made for many uses): the first request with it goes
    /// ahead, every later one is refused (401). Call once the request is known to be allowed, before it changes anything.
    /// </summary>
    public static async Task UseOnceAsync(this HttpContext context)
    {
        if (context.Caller().OneTimeKey is { } key
            && !await context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<OrleansTasks.Auth.IOneTimeTokenGrain>(key).TryUseAsync())
        {
            throw new ApiException(StatusCodes.Status401Unauthorized, "token_used", "This public access token is single-use and was used already; ask for a new one.");
        }
    }

    /// <summary>Refuses the request (403) unless <paramref name="allowed"/>; <paramref name="what"/> says what was refused.</summary>
    public static void Demand(this ApiCaller caller, bool allowed, string what)
    {
        if (!allowed)
        {
            throw new ApiException(StatusCodes.Status403Forbidden, "forbidden", $"This public access token's scopes do not allow {what}.");
        }
    }
}
