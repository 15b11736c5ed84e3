using Microsoft.Extensions.Configuration;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OrleansTasks.Hosting;
using OrleansTasks.Registry;
using OrleansTasks.Schedules;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Hosting;

public sealed class RegistrationTests
{
    [Fact]
    public void Registry_TwoTasksWithOneId_FailsNamingBothTypes()
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => BuildRegistry(typeof(FirstDuplicate), typeof(SecondDuplicate)));

        Assert.Contains("'dup'", error.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(FirstDuplicate).FullName!, error.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(SecondDuplicate).FullName!, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SiloStart_TwoTasksWithOneId_StopsStartUpWithBothTypesInTheMessage()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo => silo
            .UseOrleansTasksDevelopmentStorage(FreePort(), FreePort())
            .AddOrleansTasks(tasks => tasks.AddTask<FirstDuplicate>().AddTask<SecondDuplicate>()));
        using var host = builder.Build();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync(TestContext.Current.CancellationToken));

        var messages = string.Join(" | ", Chain(error).Select(e => e.Message));
        Assert.Contains(typeof(FirstDuplicate).FullName!, messages, StringComparison.Ordinal);
        Assert.Contains(typeof(SecondDuplicate).FullName!, messages, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(typeof(BadRetryTask), "Retry.MaxAttempts")]
    [InlineData(typeof(BadQueueTask), "Queue.ConcurrencyLimit")]
    [InlineData(typeof(ShortMaxDurationTask), "MaxDuration")]
    [InlineData(typeof(EmptyIdTask), "empty Id")]
    public void Registry_InvalidTaskOption_FailsNamingTheTaskAndSetting(Type taskType, string setting)
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => BuildRegistry(taskType));

        Assert.Equal(OrleansTasksErrorCodes.InvalidConfiguration, error.Code);
        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
        Assert.Contains(taskType.FullName!, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registry_TasksSharingAQueueWithDifferentLimits_Fails()
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => BuildRegistry(typeof(SharedQueueOne), typeof(SharedQueueTwo)));

        Assert.Contains("'shared'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddTask_SameTypeTwice_RegistersItOnce()
    {
        var registry = BuildRegistry(typeof(EchoTask), typeof(EchoTask));

        Assert.Single(registry.All);
    }

    [Theory]
    [InlineData(null, null, "needs a Name")]
    [InlineData("q", -1, "Queue.ConcurrencyLimit")]
    public void AddQueue_InvalidQueue_ThrowsInvalidConfigurationNamingTheSetting(string? name, int? limit, string expected)
    {
        var builder = new OrleansTasksBuilder(new ServiceCollection());

        var error = Assert.Throws<InvalidConfigurationException>(() => builder.AddQueue(new QueueOptions { Name = name, ConcurrencyLimit = limit }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddTask_NotATask_ThrowsInvalidConfiguration()
    {
        var builder = new OrleansTasksBuilder(new ServiceCollection());

        var error = Assert.Throws<InvalidConfigurationException>(() => builder.AddTask(typeof(string)));

        Assert.Contains("TaskDefinition", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddTasksFromAssembly_RegistersEveryTaskClassAndNothingElse()
    {
        var services = new ServiceCollection();
        new OrleansTasksBuilder(services).AddTasksFromAssembly(typeof(EchoTask).Assembly);
        var registered = services.BuildServiceProvider().GetRequiredService<IOptions<TaskRegistrationOptions>>().Value.TaskTypes;

        Assert.Contains(typeof(EchoTask), registered);
        Assert.Contains(typeof(LimitedTask), registered);
        Assert.DoesNotContain(typeof(Probe), registered);
        Assert.Equal(registered.Count, registered.Distinct().Count());
    }

    [Fact]
    public void Registry_Defaults_AreTriggerDevs()
    {
        var echo = Assert.Single(BuildRegistry(typeof(EchoTask)).All);

        Assert.Equal(RetryOptions.Default, echo.Retry);
        Assert.Equal("echo", echo.QueueName);
        Assert.Null(echo.Queue.ConcurrencyLimit);
        Assert.Null(echo.MaxDuration);
        Assert.Equal(MachinePreset.Small1x, echo.Machine);
    }

    [Fact]
    public void Registry_SiloDefaults_ApplyToTasksThatDoNotSetThem()
    {
        var registry = BuildRegistry(
            o => o.Defaults = new TaskDefaults
            {
                Retry = new RetryOptions { MaxAttempts = 7, Randomize = false },
                MaxDuration = TimeSpan.FromMinutes(2),
                Machine = "large-1x",
            },
            development: false,
            typeof(EchoTask),
            typeof(OwnSettingsTask),
            typeof(NoLimitTask));

        var echo = registry.Resolve("echo", null);
        Assert.Equal(7, echo.Retry.MaxAttempts);
        Assert.Equal(TimeSpan.FromMinutes(2), echo.MaxDuration);
        Assert.Equal(MachinePreset.Large1x, echo.Machine);

        var own = registry.Resolve("own-settings", null);
        Assert.Equal(2, own.Retry.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(30), own.MaxDuration);
        Assert.Equal(MachinePreset.Micro, own.Machine);

        Assert.Null(registry.Resolve("no-limit", null).MaxDuration);
    }

    [Theory]
    [InlineData(true, false, 1)]
    [InlineData(true, true, 3)]
    [InlineData(false, false, 3)]
    public void Registry_RetriesInDevelopment_FollowTheSetting(bool development, bool enabledInDevelopment, int expectedAttempts)
    {
        var registry = BuildRegistry(o => o.Defaults.RetriesEnabledInDevelopment = enabledInDevelopment, development, typeof(EchoTask));

        Assert.Equal(expectedAttempts, registry.Resolve("echo", null).Retry.MaxAttempts);
    }

    [Theory]
    [InlineData("Defaults:MaxDuration", "00:00:01", "OrleansTasks:Defaults:MaxDuration")]
    [InlineData("Defaults:Machine", "huge-9x", "OrleansTasks:Defaults:Machine")]
    [InlineData("Defaults:Retry:MaxAttempts", "0", "Retry.MaxAttempts")]
    [InlineData("CancelTimeout", "00:00:00", "OrleansTasks:CancelTimeout")]
    [InlineData("DrainTimeout", "-00:00:01", "OrleansTasks:DrainTimeout")]
    [InlineData("DrainTimeout", "02:00:00", "OrleansTasks:DrainTimeout")]
    [InlineData("Schedules:Lead", "00:02:00", "OrleansTasks:Schedules:Lead")]
    [InlineData("Schedules:MissedAfter", "00:00:00", "OrleansTasks:Schedules:MissedAfter")]
    [InlineData("Schedules:SweepInterval", "01:00:00", "OrleansTasks:Schedules:SweepInterval")]
    public void Options_BadDefault_FailsNamingTheSetting(string key, string value, string named)
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [$"OrleansTasks:{key}"] = value })
            .Build();
        var options = new OrleansTasksOptions();
        configuration.GetSection(OrleansTasksOptions.SectionName).Bind(options);

        var result = new OrleansTasksOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(named, result.FailureMessage, StringComparison.Ordinal);
    }

    private sealed class OwnSettingsTask : TaskDefinition<string, string>
    {
        public override string Id => "own-settings";

        public override RetryOptions RetryPolicy => new() { MaxAttempts = 2 };

        public override TimeSpan? MaxDuration => TimeSpan.FromSeconds(30);

        public override MachinePreset? Machine => MachinePreset.Micro;

        public override Task<string> RunAsync(string payload, TaskContext context, CancellationToken cancellationToken) => Task.FromResult(payload);
    }

    private sealed class NoLimitTask : TaskDefinition<string, string>
    {
        public override string Id => "no-limit";

        public override TimeSpan? MaxDuration => Timeout.InfiniteTimeSpan;

        public override Task<string> RunAsync(string payload, TaskContext context, CancellationToken cancellationToken) => Task.FromResult(payload);
    }

    [Fact]
    public void ATaskDeclaringABadCron_StopsStartUpNamingTheTaskAndTheField()
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => BuildRegistry(typeof(BadCronTask)));
        Assert.Contains("bad-cron", error.Message, StringComparison.Ordinal);
        Assert.Contains("hour field", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATaskDeclaringAGoodCron_IsRegisteredWithItsDeclarativeSchedule()
    {
        var declared = Assert.Single(BuildRegistry(typeof(GoodCronTask)).All).DeclaredSchedule!;
        Assert.Equal((ScheduleType.Declarative, "15 3 * * *", "America/New_York", "declarative:good-cron"), (declared.Type, declared.Cron, declared.Timezone, declared.DeduplicationKey));
    }

    private static TaskRegistry BuildRegistry(params Type[] taskTypes) => BuildRegistry(configure: null, development: false, taskTypes);

    private static TaskRegistry BuildRegistry(Action<OrleansTasksOptions>? configure, bool development, params Type[] taskTypes)
    {
        var services = new ServiceCollection();
        var builder = new OrleansTasksBuilder(services);
        foreach (var type in taskTypes)
        {
            builder.AddTask(type);
        }

        if (configure is not null)
        {
            builder.Configure(configure);
        }

        if (development)
        {
            services.AddSingleton<IHostEnvironment>(new DevelopmentEnvironment());
        }

        var provider = services.BuildServiceProvider();
        return new TaskRegistry(
            provider, provider.GetRequiredService<IOptions<TaskRegistrationOptions>>(), provider.GetRequiredService<IOptions<OrleansTasksOptions>>());
    }

    private sealed class DevelopmentEnvironment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = Environments.Development;

        public string ApplicationName { get; set; } = "tests";

        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;

        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }

    private static IEnumerable<Exception> Chain(Exception error)
    {
        for (Exception? current = error; current is not null; current = current.InnerException)
        {
            yield return current;
            if (current is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain))
                {
                    yield return inner;
                }
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private abstract class NoOp : TaskDefinition<EmptyPayload, int>
    {
        public override Task<int> RunAsync(EmptyPayload payload, TaskContext context, CancellationToken cancellationToken) => Task.FromResult(0);
    }

    private sealed class FirstDuplicate : NoOp
    {
        public override string Id => "dup";
    }

    private sealed class SecondDuplicate : NoOp
    {
        public override string Id => "dup";
    }

    private sealed class BadRetryTask : NoOp
    {
        public override string Id => "bad-retry";

        public override RetryOptions RetryPolicy => new() { MaxAttempts = 0 };
    }

    private sealed class BadQueueTask : NoOp
    {
        public override string Id => "bad-queue";

        public override QueueOptions Queue => new() { ConcurrencyLimit = -1 };
    }

    private sealed class ShortMaxDurationTask : NoOp
    {
        public override string Id => "short";

        public override TimeSpan? MaxDuration => TimeSpan.FromSeconds(1);
    }

    private sealed class EmptyIdTask : NoOp
    {
        public override string Id => " ";
    }

    private sealed class SharedQueueOne : NoOp
    {
        public override string Id => "shared-one";

        public override QueueOptions Queue => new() { Name = "shared", ConcurrencyLimit = 1 };
    }

    private sealed class SharedQueueTwo : NoOp
    {
        public override string Id => "shared-two";

        public override QueueOptions Queue => new() { Name = "shared", ConcurrencyLimit = 2 };
    }

    private sealed class BadCronTask : ScheduledTask<string>
    {
        public override string Id => "bad-cron";

        public override CronSchedule? Cron => "0 24 * * *";

        public override Task<string> RunAsync(ScheduledPayload payload, TaskContext context, CancellationToken cancellationToken) => Task.FromResult("");
    }

    private sealed class GoodCronTask : ScheduledTask<string>
    {
        public override string Id => "good-cron";

        public override CronSchedule? Cron => new("15 3 * * *") { Timezone = "America/New_York" };

        public override Task<string> RunAsync(ScheduledPayload payload, TaskContext context, CancellationToken cancellationToken) => Task.FromResult("");
    }
}
