using System.Text.Json;
using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Lifecycle;

/// <summary>Validated payloads: refused at a typed trigger, failing the run without retries when triggered by id.</summary>
[Collection(LifecycleCollection.Name)]
public sealed class PayloadValidationTests(LifecycleFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    private static OrderPayload Invalid => new()
    {
        Email = "not-an-address",
        Quantity = 1,
        Lines = [new OrderLine { Sku = "FAR-TOO-LONG-SKU" }, new OrderLine()],
    };

    [Fact]
    public async Task TypedTrigger_InvalidPayload_RefusedListingEveryRule()
    {
        var error = await Assert.ThrowsAsync<PayloadValidationException>(() => _tasks.For<ValidatedOrderTask>().TriggerAsync(Invalid));

        Assert.Contains(error.Errors, e => e.StartsWith("Email:", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("Lines[0].Sku:", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("Lines[1].Sku:", StringComparison.Ordinal));
        Assert.Equal(3, error.Errors.Count);
        Assert.All(error.Errors, e => Assert.Contains(e, error.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TypedTrigger_OwnRuleBroken_Refused()
    {
        var payload = new OrderPayload { Email = "a@b.example", Quantity = 1, Lines = [new() { Sku = "A" }, new() { Sku = "B" }] };

        var error = await Assert.ThrowsAsync<PayloadValidationException>(() => _tasks.For<ValidatedOrderTask>().TriggerAsync(payload));

        Assert.Equal("Lines: An order cannot have more lines than its quantity.", Assert.Single(error.Errors));
    }

    [Fact]
    public async Task TriggerById_InvalidPayload_RunFailsWithoutRetries()
    {
        var json = JsonSerializer.Serialize(Invalid, TaskJson.Options);
        var handle = await _tasks.TriggerAsync("validated-order", json);

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run");

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Single(run.Attempts);
        Assert.Equal(typeof(PayloadValidationException).FullName, run.Error!.Type);
        Assert.Equal(TaskRunErrorCodes.InvalidPayload, run.Error.Code);
        Assert.Contains("Email:", run.Error.Message, StringComparison.Ordinal);
        Assert.Contains("Lines[1].Sku:", run.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidPayload_Runs()
    {
        var handle = await _tasks.For<ValidatedOrderTask>().TriggerAsync(new OrderPayload { Email = "a@b.example", Quantity = 2, Lines = [new() { Sku = "A" }] });

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run");

        Assert.Equal(RunStatus.Completed, run.Status);
    }

    [Fact]
    public async Task ChildTriggerFromATask_InvalidPayload_RefusedAtTheCall()
    {
        var handle = await _tasks.For<InvalidChildTriggerTask>().TriggerAsync(new EmptyPayload());

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run");

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal("\"refused: 2\"", run.OutputJson);
    }
}
