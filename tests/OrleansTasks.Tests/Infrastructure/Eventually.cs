namespace OrleansTasks.Tests.Infrastructure;

/// <summary>Polls a condition under a timeout: how tests wait for something without sleeping a fixed time.</summary>
public static class Eventually
{
    public static async Task<T> Poll<T>(Func<Task<T>> probe, Func<T, bool> until, TimeSpan timeout, string what)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancellation.CancelAfter(timeout);
        var last = default(T);
        while (true)
        {
            try
            {
                last = await probe();
                if (until(last))
                {
                    return last;
                }
            }
            catch (Exception) when (!cancellation.IsCancellationRequested)
            {
                // Not ready yet (a silo starting, a gateway moving); try again.
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellation.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting for {what}; last seen: {last}");
            }
        }
    }

    /// <summary>Waits for a task to finish, failing the test with <paramref name="what"/> if it takes longer than <paramref name="timeout"/>.</summary>
    public static async Task<T> Within<T>(this Task<T> task, TimeSpan timeout, string what)
    {
        try
        {
            return await task.WaitAsync(timeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {timeout} waiting for {what}.");
        }
    }

    public static async Task Within(this Task task, TimeSpan timeout, string what)
    {
        try
        {
            await task.WaitAsync(timeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {timeout} waiting for {what}.");
        }
    }

    /// <summary>
    /// Reads a sequence, failing the test with <paramref name="what"/> if the whole of it (up to where the caller stops)
    /// takes longer than <paramref name="timeout"/>.
    /// </summary>
    public static async IAsyncEnumerable<T> Within<T>(this IAsyncEnumerable<T> source, TimeSpan timeout, string what)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        await using var items = source.GetAsyncEnumerator(TestContext.Current.CancellationToken);
        while (true)
        {
            var remaining = timeout - started.Elapsed;
            bool more;
            try
            {
                more = await items.MoveNextAsync().AsTask().WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, TestContext.Current.CancellationToken);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting for {what}.");
            }

            if (!more)
            {
                yield break;
            }

            yield return items.Current;
        }
    }
}
