using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using OrleansTasks.Listing;
using OrleansTasks.Runs;

namespace OrleansTasks;

/// <summary>Listing, replay and bulk actions.</summary>
internal sealed partial class TaskClient
{
    // Enough calls in flight to hide the round trips, few enough that a bulk action of a million runs does not crowd
    // out a cluster's other work.
    private const int BulkParallelism = 16;

    private static readonly RunStatus[] s_unfinishedStatuses = [.. Enum.GetValues<RunStatus>().Where(s => !s.IsFinal())];

    public IAsyncEnumerable<RunSummary> ListAsync(RunFilter? filter = null, CancellationToken cancellationToken = default)
    {
        // Checked here, not in the iterator, so a bad filter fails at the call rather than at the first read.
        filter ??= new RunFilter();
        RunFilterValidation.Validate(filter, nameof(filter));
        return ListCoreAsync(filter, cancellationToken);
    }

    public async Task<RunPage> ListPageAsync(RunFilter? filter = null, RunCursor? after = null, CancellationToken cancellationToken = default)
    {
        filter ??= new RunFilter();
        RunFilterValidation.Validate(filter, nameof(filter));
        var page = await CallAsync(() => grains.Reference<IRunQueryGrain>(0).ListAsync(filter, after), cancellationToken).ConfigureAwait(false);
        return new RunPage(page, page.Count < filter.PageSize ? null : RunCursor.After(page[^1]));
    }

    public async Task<RunHandle> ReplayAsync(string runId, string? payloadJson = null, TriggerOptions? options = null, CancellationToken cancellationToken = default)
    {
        Guard.NotBlank(runId);
        var original = await CallAsync(() => grains.Reference<IRunGrain>(runId).GetAsync(), cancellationToken).ConfigureAwait(false);
        var request = new TriggerRequest
        {
            TaskId = original.TaskId,
            PayloadJson = payloadJson ?? original.PayloadJson,
            Options = options ?? new TriggerOptions
            {
                Tags = original.Tags.Count == 0 ? null : original.Tags,
                Queue = original.Queue,
                ConcurrencyKey = original.ConcurrencyKey,
                Machine = original.Machine,
            },
            ReplayOf = original.Id,
        };
        return await TriggerCoreAsync(request, original.TaskId, cancellationToken).ConfigureAwait(false);
    }

    public async Task<BulkActionResult> CancelManyAsync(RunFilter filter, CancellationToken cancellationToken = default)
    {
        RunFilterValidation.Validate(filter, nameof(filter));

        // A final run cannot be cancelled, so only unfinished statuses are looked for.
        var statuses = filter.Statuses is { Count: > 0 } asked ? [.. asked.Where(s => !s.IsFinal()).Distinct()] : s_unfinishedStatuses;
        if (statuses.Length == 0)
        {
            return new BulkActionResult { Matched = 0, Succeeded = 0 };
        }

        var ids = await CollectIdsAsync(filter with { Statuses = statuses }, cancellationToken).ConfigureAwait(false);
        var failures = new ConcurrentBag<(int Index, BulkActionFailure Failure)>();
        var succeeded = 0;
        var skipped = 0;
        await ForEachAsync(ids, failures, async (runId, _) =>
        {
            var run = await CallAsync(() => grains.Reference<IRunGrain>(runId).CancelAsync(), cancellationToken).ConfigureAwait(false);
            if (run.Status == RunStatus.Canceled)
            {
                Interlocked.Increment(ref succeeded);
            }
            else
            {
                Interlocked.Increment(ref skipped);
            }
        }, cancellationToken).ConfigureAwait(false);

        return new BulkActionResult { Matched = ids.Count, Succeeded = succeeded, Skipped = skipped, Failures = Ordered(failures) };
    }

    public async Task<BulkActionResult> ReplayManyAsync(RunFilter filter, CancellationToken cancellationToken = default)
    {
        RunFilterValidation.Validate(filter, nameof(filter));
        var ids = await CollectIdsAsync(filter, cancellationToken).ConfigureAwait(false);
        var failures = new ConcurrentBag<(int Index, BulkActionFailure Failure)>();
        var created = new RunHandle?[ids.Count];
        await ForEachAsync(ids, failures, async (runId, index) =>
            created[index] = await ReplayAsync(runId, cancellationToken: cancellationToken).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);

        var handles = created.OfType<RunHandle>().ToList();
        return new BulkActionResult { Matched = ids.Count, Succeeded = handles.Count, Failures = Ordered(failures), CreatedRuns = handles };
    }

    private async IAsyncEnumerable<RunSummary> ListCoreAsync(RunFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        RunCursor? after = null;
        while (true)
        {
            var cursor = after;
            var page = await CallAsync(() => grains.Reference<IRunQueryGrain>(0).ListAsync(filter, cursor), cancellationToken).ConfigureAwait(false);
            foreach (var run in page)
            {
                yield return run;
            }

            if (page.Count < filter.PageSize)
            {
                yield break;
            }

            after = RunCursor.After(page[^1]);
        }
    }

    /// <summary>Every matching id, read before the action starts, so what the action does cannot change what it matches.</summary>
    private async Task<List<string>> CollectIdsAsync(RunFilter filter, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var run in ListCoreAsync(filter with { PageSize = RunFilter.MaxPageSize }, cancellationToken).ConfigureAwait(false))
        {
            ids.Add(run.Id);
        }

        return ids;
    }

    /// <summary>
    /// Runs <paramref name="action"/> for each run, a bounded number at a time; a run the action throws for is recorded
    /// as a failure and the others go on. Cancellation by the caller stops the whole action.
    /// </summary>
    private static Task ForEachAsync(
        List<string> ids,
        ConcurrentBag<(int Index, BulkActionFailure Failure)> failures,
        Func<string, int, Task> action,
        CancellationToken cancellationToken)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = BulkParallelism, CancellationToken = cancellationToken };
        return Parallel.ForEachAsync(Enumerable.Range(0, ids.Count), options, async (index, _) =>
        {
            try
            {
                await action(ids[index], index).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failures.Add((index, new BulkActionFailure(ids[index], exception.Message, exception.GetType().FullName ?? exception.GetType().Name)));
            }
        });
    }

    private static List<BulkActionFailure> Ordered(ConcurrentBag<(int Index, BulkActionFailure Failure)> failures) =>
        [.. failures.OrderBy(f => f.Index).Select(f => f.Failure)];
}
