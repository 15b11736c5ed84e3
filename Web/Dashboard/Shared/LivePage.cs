using Microsoft.AspNetCore.Components;

namespace OrleansTasks.Web.Dashboard.Shared;

/// <summary>
/// A page that stays live by reading itself again on a timer (the runs and queues pages: there is no subscription to
/// every run or queue). The loop starts only on the interactive render, not in the prerendered copy, and stops with the page.
/// </summary>
public abstract class LivePage : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Fires when the page goes away.</summary>
    protected CancellationToken Stopping => _stop.Token;

    /// <summary>Calls <paramref name="load"/> every <paramref name="interval"/> and renders again, until the page goes away.</summary>
    protected void RefreshEvery(TimeSpan interval, Func<Task> load)
    {
        if (RendererInfo.IsInteractive)
        {
            _ = LoopAsync(interval, load);
        }
    }

    /// <summary>Stops the loop.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    private async Task LoopAsync(TimeSpan interval, Func<Task> load)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await InvokeAsync(async () =>
                {
                    await load();
                    StateHasChanged();
                });
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
