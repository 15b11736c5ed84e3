using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using OrleansTasks.Tests.Infrastructure;

namespace OrleansTasks.Tests.Deployment;

/// <summary>
/// The Deployment of deploy/k8s/base played out on one machine: three product silo processes with the environment
/// its manifests give a pod (ConfigMap, downward API, Secret; only the ports moved, since three pods here share one
/// address), probed as a kubelet probes them, then rolled as a rolling update with <c>maxUnavailable: 0</c> and
/// <c>maxSurge: 1</c> rolls them: a new silo ready first, then an old one sent SIGTERM, one at a time, while runs are
/// triggered through the HTTP API on whichever silos are ready. No run is lost or fails.
/// </summary>
[Trait("Category", "Slow")]
[Trait("Category", "Postgres")]
public sealed class RollingUpdateTests(ITestOutputHelper output)
{
    private const string ApiKey = "tr_test_rolling-update-secret-key-0123456789";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task ThreeSilosAsDeclared_ProbedAndRolledOneAtATimeUnderLoad_NoRunLostOrFailed()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var objects = Kustomization.Render(Path.Combine(Kustomization.Root, "base"))
            .Select(o => KubernetesYaml.LoadAllFromString(Kustomization.ToYaml(o), typeMap: null, strict: true).Single()).ToList();
        var deployment = objects.OfType<V1Deployment>().Single();
        var config = objects.OfType<V1ConfigMap>().Single().Data;
        var secrets = new Dictionary<string, string> { ["connection-string"] = database.ConnectionString, ["api-secret-key"] = ApiKey };
        var container = deployment.Spec.Template.Spec.Containers[0];
        var grace = TimeSpan.FromSeconds(deployment.Spec.Template.Spec.TerminationGracePeriodSeconds!.Value);

        var pods = new List<Pod>();
        try
        {
            for (var i = 0; i < deployment.Spec.Replicas; i++)
            {
                pods.Add(Pod.Start($"orleanstasks-silo-{i}", container, config, secrets));
            }

            await Task.WhenAll(pods.Select(p => ProbeUntilReadyAsync(p, container)));
            await AssertSiloNamesAreThePodsAsync(database, pods);

            using var stopLoad = new CancellationTokenSource();
            var triggered = new ConcurrentBag<string>();
            var load = Task.Run(() => LoadAsync(pods, triggered, stopLoad.Token));

            // The rolling update: a new pod ready, then an old one terminated, one at a time.
            for (var i = 0; i < 3; i++)
            {
                var old = pods[i];
                var replacement = Pod.Start($"orleanstasks-silo-{i}-v2", container, config, secrets);
                lock (pods)
                {
                    pods.Add(replacement);
                }

                await ProbeUntilReadyAsync(replacement, container);
                var countBefore = triggered.Count;
                var clock = Stopwatch.StartNew();
                old.Silo.Terminate();

                // Not ready from the moment it is told to stop until it exits (then nothing answers at all): once a
                // probe fails, none passes again. The first second is allowed for the signal to reach a busy process.
                var probes = new List<(TimeSpan At, bool Ready)>();
                while (!old.Silo.HasExited)
                {
                    probes.Add((clock.Elapsed, await ProbeAsync(old, container.ReadinessProbe)));
                    await Task.Delay(100);
                }

                old.Ready = false;
                var firstNotReady = probes.FindIndex(p => !p.Ready);
                Assert.True(firstNotReady < 0 || probes.Skip(firstNotReady).All(p => !p.Ready), $"{old.Name} said it was ready again while it stopped");
                Assert.DoesNotContain(probes, p => p.Ready && p.At > TimeSpan.FromSeconds(1));
                Assert.True(clock.Elapsed < grace, $"{old.Name} took {clock.Elapsed} to stop; the grace period is {grace}");
                var drained = old.Silo.DrainReport;
                Assert.True(drained is not null, $"{old.Name} did not report its drain:{Environment.NewLine}{old.Silo.Output}");
                output.WriteLine($"{old.Name}: {drained}; exited {clock.Elapsed.TotalSeconds:F1} s after SIGTERM; {triggered.Count - countBefore} runs triggered meanwhile");
            }

            await Task.Delay(TimeSpan.FromSeconds(2));
            await stopLoad.CancelAsync();
            await load;

            var live = pods.Where(p => !p.Silo.HasExited).ToList();
            Assert.Equal(3, live.Count);
            Assert.True(triggered.Count >= 30, $"only {triggered.Count} runs were triggered during the rollout");
            foreach (var runId in triggered)
            {
                var status = await Eventually.Poll(() => RunStatusAsync(live[0], runId), s => s is "COMPLETED" or "FAILED" or "CRASHED" or "SYSTEM_FAILURE" or "CANCELED", s_timeout, $"run {runId} to end");
                Assert.True(status == "COMPLETED", $"run {runId} ended {status}");
            }

            // Nothing else is in the table but completed runs: a trigger whose answer was lost with a stopping silo
            // (the caller saw an error and may try again) made a run all the same, and it completed too.
            Assert.True(await database.CountRunsAsync() >= triggered.Count);
            await Eventually.Poll(() => CountUnfinishedOrFailedAsync(database), n => n == 0, s_timeout, "every run in the table to have completed");
        }
        finally
        {
            foreach (var pod in pods)
            {
                await pod.Silo.DisposeAsync();
            }
        }
    }

    /// <summary>Runs triggered through the HTTP API of a ready silo, as the Service would route them, until stopped.</summary>
    private async Task LoadAsync(List<Pod> pods, ConcurrentBag<string> triggered, CancellationToken cancellationToken)
    {
        var i = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            Pod[] ready;
            lock (pods)
            {
                ready = [.. pods.Where(p => p.Ready && !p.Silo.HasExited)];
            }

            if (ready.Length > 0)
            {
                var pod = ready[i++ % ready.Length];
                var (task, payload) = i % 3 == 0 ? ("write-story", (object)new { wordDelay = "00:00:00.150" }) : ("hello-world", new { name = $"pod-{i}" });
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, $"{pod.BaseAddress}/api/v1/tasks/{task}/trigger") { Content = JsonContent.Create(new { payload }) };
                    request.Headers.Authorization = new("Bearer", ApiKey);
                    using var response = await _http.SendAsync(request, CancellationToken.None);
                    if (response.IsSuccessStatusCode)
                    {
                        triggered.Add((await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken.None)).GetProperty("id").GetString()!);
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    // The silo went away between its probe and the request (or the answer was lost with it): the
                    // caller tries again elsewhere.
                }
            }

            await Task.Delay(60, CancellationToken.None);
        }
    }

    /// <summary>The start-up probe until it passes, then the readiness probe until it passes, each at its declared period.</summary>
    private async Task ProbeUntilReadyAsync(Pod pod, V1Container container)
    {
        var startup = container.StartupProbe;
        var deadline = TimeSpan.FromSeconds(startup.PeriodSeconds!.Value * startup.FailureThreshold!.Value);
        var clock = Stopwatch.StartNew();
        while (!await ProbeAsync(pod, startup))
        {
            Assert.False(pod.Silo.HasExited, $"{pod.Name} exited while starting:{Environment.NewLine}{pod.Silo.Output}");
            Assert.True(clock.Elapsed < deadline, $"{pod.Name} failed its start-up probe for {deadline}; the kubelet would restart it:{Environment.NewLine}{pod.Silo.Output}");
            await Task.Delay(TimeSpan.FromSeconds(startup.PeriodSeconds.Value));
        }

        Assert.True(await ProbeAsync(pod, container.LivenessProbe), $"{pod.Name} is not live");
        await Eventually.Poll(() => ProbeAsync(pod, container.ReadinessProbe), ok => ok, s_timeout, $"{pod.Name} to be ready");
        pod.Ready = true;
        output.WriteLine($"{pod.Name}: started and ready in {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>An HTTP probe as the kubelet makes it: a GET within its timeout; 200–399 passes.</summary>
    private async Task<bool> ProbeAsync(Pod pod, V1Probe probe)
    {
        Assert.Equal("http", probe.HttpGet.Port.Value);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(probe.TimeoutSeconds ?? 1));
            using var response = await _http.GetAsync($"{pod.BaseAddress}{probe.HttpGet.Path}", timeout.Token);
            return (int)response.StatusCode is >= 200 and < 400;
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<string?> RunStatusAsync(Pod pod, string runId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{pod.BaseAddress}/api/v3/runs/{runId}");
        request.Headers.Authorization = new("Bearer", ApiKey);
        using var response = await _http.SendAsync(request);
        return response.StatusCode == HttpStatusCode.OK ? (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString() : null;
    }

    private static async Task<long> CountUnfinishedOrFailedAsync(PostgresDatabase database)
    {
        await using var connection = new Npgsql.NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM runs WHERE status <> 'COMPLETED'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The silos took their pods' names (Orleans__SiloName from the downward API), as membership records them.</summary>
    private static async Task AssertSiloNamesAreThePodsAsync(PostgresDatabase database, List<Pod> pods)
    {
        await using var connection = new Npgsql.NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT siloname FROM orleansmembershiptable", connection);
        var names = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                names.Add(reader.GetString(0));
            }
        }

        Assert.Equal(pods.Select(p => p.Name).Order(), names.Order());
    }

    /// <summary>One pod: the silo process with the environment the Deployment gives its container.</summary>
    private sealed class Pod
    {
        private Pod(string name, SiloProcess silo, string baseAddress)
        {
            Name = name;
            Silo = silo;
            BaseAddress = baseAddress;
        }

        public string Name { get; }

        public SiloProcess Silo { get; }

        public string BaseAddress { get; }

        /// <summary>Whether its readiness probe last passed: the Service routes to it.</summary>
        public volatile bool Ready;

        public static Pod Start(string name, V1Container container, IDictionary<string, string> config, IDictionary<string, string> secrets)
        {
            // envFrom first, then env in order, each able to refer to those before it as $(NAME), as the kubelet does.
            var environment = new Dictionary<string, string>(config);
            foreach (var variable in container.Env)
            {
                environment[variable.Name] = variable.ValueFrom switch
                {
                    { FieldRef.FieldPath: "metadata.name" } => name,
                    { FieldRef.FieldPath: "metadata.namespace" } => "orleanstasks-test",
                    { FieldRef.FieldPath: "status.podIP" } => "127.0.0.1",
                    { SecretKeyRef: { } secret } => secrets[secret.Key],
                    null => Regex.Replace(variable.Value, @"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", m => environment.GetValueOrDefault(m.Groups[1].Value, m.Value)),
                    _ => throw new NotSupportedException($"{variable.Name}: a value source this test does not play"),
                };
            }

            // Three pods here share one address: each gets its own ports in place of the declared ones.
            var (http, siloPort, gatewayPort) = (SiloProcess.FreePort(), SiloProcess.FreePort(), SiloProcess.FreePort());
            Assert.Equal(container.Ports.Single(p => p.Name == "http").ContainerPort, ManifestTests.PortOf(environment["Urls"]));
            environment["Urls"] = $"http://+:{http}";
            environment["Orleans__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture);
            environment["Orleans__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture);
            return new Pod(name, SiloProcess.StartWithEnvironment(SiloProcess.ProductSiloPath, environment, siloPort, gatewayPort), $"http://127.0.0.1:{http}");
        }
    }
}
