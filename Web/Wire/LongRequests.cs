using Microsoft.Extensions.Hosting;

namespace OrleansTasks.Web.Wire;

/// <summary>
/// The token a long request (a held realtime poll, a server-sent event stream) waits on: it fires when the client goes
/// away or when the host starts stopping, so no such request holds up a shutdown.
/// </summary>
internal static class LongRequests
{
    public static CancellationToken Token(HttpContext context)
    {
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        context.Response.RegisterForDispose(linked);
        return linked.Token;
    }
}
