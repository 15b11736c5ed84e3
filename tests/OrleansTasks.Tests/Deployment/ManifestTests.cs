using System.Globalization;
using System.Reflection;
using k8s;
using k8s.Models;
using OrleansTasks.Draining;
using OrleansTasks.Hosting;
using OrleansTasks.Web.Auth;
using OrleansTasks.Web.Health;

namespace OrleansTasks.Tests.Deployment;

/// <summary>
/// deploy/k8s checked, not just written: every manifest and every rendered overlay read into the Kubernetes API's own
/// types by the official client, strictly (an unknown field or a wrong type fails), and what must agree with the silo
/// compared with the silo's own code.
/// </summary>
public sealed class ManifestTests
{
    private static string Base => Path.Combine(Kustomization.Root, "base");

    private static string Overlay(string name) => Path.Combine(Kustomization.Root, "overlays", name);

    public static TheoryData<string> Folders => ["base", "overlays/dev", "overlays/production"];

    [Theory]
    [MemberData(nameof(Folders))]
    public void EveryManifest_ReadsStrictlyIntoTheKubernetesTypes(string folder)
    {
        var files = Kustomization.Files(Path.Combine(Kustomization.Root, folder)).ToList();
        Assert.NotEmpty(files);
        foreach (var (file, document) in files.Where(f => !f.Document.ContainsKey("$patch")))
        {
            var read = Read(Kustomization.ToYaml(document), file);
            Assert.Equal((string)document["kind"], read.Kind);
        }
    }

    [Theory]
    [InlineData("apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  portz: []\n")]
    [InlineData("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replicas: three\n")]
    public void TheCheck_RefusesAnUnknownFieldOrAWrongType(string yaml) =>
        Assert.Throws<Xunit.Sdk.XunitException>(() => Read(yaml, "a broken manifest"));

    [Fact]
    public void TheOverlays_RenderToWhatEachPromises()
    {
        var dev = Rendered("dev");
        Assert.Equal(
            ["ConfigMap", "Deployment", "Namespace", "PodDisruptionBudget", "Secret", "Service", "Service", "Service", "ServiceAccount", "StatefulSet"],
            dev.Select(o => o.Kind).Order());
        Assert.All(dev.Where(o => o.Kind != "Namespace"), o => Assert.Equal("orleanstasks-dev", o.Metadata.NamespaceProperty));
        var devSilo = dev.OfType<V1Deployment>().Single();
        Assert.Equal(1, devSilo.Spec.Replicas);
        Assert.Equal("true", devSilo.Spec.Template.Spec.Containers[0].Env.Single(e => e.Name == "Samples__TriggerOnStart").Value);
        Assert.Contains("Host=postgres;", dev.OfType<V1Secret>().Single().StringData["connection-string"], StringComparison.Ordinal);
        Assert.Equal("postgres", dev.OfType<V1StatefulSet>().Single().Metadata.Name);

        var production = Rendered("production");
        Assert.DoesNotContain(production, o => o is V1Secret); // created by hand, never from the repository
        Assert.DoesNotContain(production, o => o is V1StatefulSet);
        var silo = production.OfType<V1Deployment>().Single();
        Assert.Equal(3, silo.Spec.Replicas);
        Assert.Equal("registry.example.com/orleanstasks/silo:1.0.0", silo.Spec.Template.Spec.Containers[0].Image);
        Assert.All(production.Where(o => o.Kind != "Namespace"), o => Assert.Equal("orleanstasks", o.Metadata.NamespaceProperty));
        Assert.All(production.Where(o => o.Kind != "Namespace"), o => Assert.Equal("orleanstasks", o.Metadata.Labels["app.kubernetes.io/part-of"]));
    }

    [Fact]
    public void TheDeployment_AgreesWithTheSilo()
    {
        var objects = Rendered(Base);
        var deployment = objects.OfType<V1Deployment>().Single();
        var config = objects.OfType<V1ConfigMap>().Single().Data;
        var pod = deployment.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);
        int Port(string name) => container.Ports.Single(p => p.Name == name).ContainerPort;

        // A rolling update that never lowers capacity, three silos, and a budget that keeps two.
        Assert.Equal(3, deployment.Spec.Replicas);
        Assert.Equal("0", deployment.Spec.Strategy.RollingUpdate.MaxUnavailable.Value);
        Assert.Equal("1", deployment.Spec.Strategy.RollingUpdate.MaxSurge.Value);
        Assert.Equal(2, int.Parse(objects.OfType<V1PodDisruptionBudget>().Single().Spec.MinAvailable.Value, CultureInfo.InvariantCulture));

        // The probes ask the silo's own endpoints, on the port its web host listens on.
        Assert.Equal(OrleansTasksHealth.StartupPath, container.StartupProbe.HttpGet.Path);
        Assert.Equal(OrleansTasksHealth.ReadyPath, container.ReadinessProbe.HttpGet.Path);
        Assert.Equal(OrleansTasksHealth.LivePath, container.LivenessProbe.HttpGet.Path);
        Assert.All([container.StartupProbe, container.ReadinessProbe, container.LivenessProbe], probe => Assert.Equal("http", probe.HttpGet.Port.Value));
        Assert.Equal(PortOf(config["Urls"]), Port("http"));
        Assert.Equal(int.Parse(config["Orleans__SiloPort"], CultureInfo.InvariantCulture), Port("silo"));
        Assert.Equal(int.Parse(config["Orleans__GatewayPort"], CultureInfo.InvariantCulture), Port("gateway"));

        // The pod's grace period outlasts the silo's shutdown: the drain time it is given, then the stop after it.
        var drain = TimeSpan.Parse(config["OrleansTasks__DrainTimeout"], CultureInfo.InvariantCulture);
        Assert.True(pod.TerminationGracePeriodSeconds > SiloDrain.ShutdownTimeout(drain).TotalSeconds,
            $"terminationGracePeriodSeconds {pod.TerminationGracePeriodSeconds} does not exceed the silo's shutdown timeout {SiloDrain.ShutdownTimeout(drain)}");

        // Non-root, read-only root file system, nothing to escalate; /tmp is the one writable place; no API token.
        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
        Assert.Contains("ALL", container.SecurityContext.Capabilities.Drop);
        Assert.Contains(container.VolumeMounts, m => m.MountPath == "/tmp");
        Assert.False(pod.AutomountServiceAccountToken);
        Assert.Equal(objects.OfType<V1ServiceAccount>().Single().Metadata.Name, pod.ServiceAccountName);
        Assert.DoesNotContain(objects, o => o.Kind is "Role" or "ClusterRole" or "RoleBinding");
        Assert.NotNull(container.Resources.Requests["cpu"]);
        Assert.NotNull(container.Resources.Limits["memory"]);

        // The downward API gives the pod's name, IP and namespace; the silo advertises the pod IP and takes its name.
        Assert.Equal("status.podIP", container.Env.Single(e => e.Name == "POD_IP").ValueFrom.FieldRef.FieldPath);
        Assert.Equal("metadata.name", container.Env.Single(e => e.Name == "POD_NAME").ValueFrom.FieldRef.FieldPath);
        Assert.Equal("metadata.namespace", container.Env.Single(e => e.Name == "POD_NAMESPACE").ValueFrom.FieldRef.FieldPath);
        Assert.Equal("$(POD_IP)", container.Env.Single(e => e.Name == "Orleans__AdvertisedIPAddress").Value);

        // Every variable set is one the silo reads, and each secret it names is in the Secret.
        var names = container.Env.Select(e => e.Name).Concat(config.Keys).ToList();
        Assert.All(names, name => Assert.True(IsReadByTheSilo(name, container), $"{name} is set, but the silo does not read it"));
        var secret = objects.OfType<V1Secret>().Single();
        Assert.All(container.Env.Where(e => e.ValueFrom?.SecretKeyRef is not null), e =>
        {
            Assert.Equal(secret.Metadata.Name, e.ValueFrom.SecretKeyRef.Name);
            Assert.Contains(e.ValueFrom.SecretKeyRef.Key, secret.StringData.Keys);
        });

        // The Services reach the named ports; their selectors pick the silos.
        foreach (var service in objects.OfType<V1Service>())
        {
            Assert.All(service.Spec.Selector, label => Assert.Equal(label.Value, deployment.Spec.Template.Metadata.Labels[label.Key]));
            Assert.All(service.Spec.Ports, p => Assert.Contains(container.Ports, c => c.Name == p.TargetPort.Value));
        }
    }

    [Fact]
    public void TheDockerfile_BuildsInStages_AndRunsTheSiloAsNonRoot_OnTheDeploymentsPorts()
    {
        var lines = File.ReadAllLines(Path.Combine(Kustomization.Root, "..", "Dockerfile")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.True(lines.Count(l => l.StartsWith("FROM ", StringComparison.Ordinal)) >= 2, "the Dockerfile is not multi-stage");
        var user = Assert.Single(lines, l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.DoesNotContain("root", user, StringComparison.Ordinal);
        var container = Rendered(Base).OfType<V1Deployment>().Single().Spec.Template.Spec.Containers[0];
        var exposed = lines.Single(l => l.StartsWith("EXPOSE ", StringComparison.Ordinal))["EXPOSE ".Length..].Split(' ').Select(int.Parse).Order();
        Assert.Equal(container.Ports.Select(p => p.ContainerPort).Order(), exposed);
        Assert.Contains(lines, l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal) && l.Contains("OrleansTasks.Silo.dll", StringComparison.Ordinal));
        Assert.Equal("OrleansTasks.Silo.dll", Path.GetFileName(Infrastructure.SiloProcess.ProductSiloPath)); // the entry point is what the silo builds
    }

    /// <summary>The port of a <c>Urls</c> setting such as <c>http://+:8080</c>.</summary>
    internal static int PortOf(string urls) => new Uri(urls.Replace("+", "localhost", StringComparison.Ordinal)).Port;

    /// <summary>
    /// Whether the silo reads the environment variable <paramref name="name"/>: a key of its configuration (":" written
    /// "__") that the host or an options class binds, a pod variable another one refers to, or one a library reads.
    /// </summary>
    private static bool IsReadByTheSilo(string name, V1Container container)
    {
        if (name.StartsWith("POD_", StringComparison.Ordinal))
        {
            return container.Env.Any(e => e.Value?.Contains($"$({name})", StringComparison.Ordinal) == true);
        }

        var key = name.Replace("__", ":", StringComparison.Ordinal);
        string[] host =
        [
            "ConnectionStrings:" + HostDefaults.ConnectionStringName, "Urls", "Samples:TriggerOnStart", "OTEL_RESOURCE_ATTRIBUTES",
            .. new[] { "ServiceId", "ClusterId", "SiloPort", "GatewayPort", "AdvertisedIPAddress", "SiloName" }.Select(k => HostDefaults.OrleansSection + ":" + k),
        ];
        if (host.Contains(key, StringComparer.OrdinalIgnoreCase) || key.StartsWith("Logging:LogLevel:", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (key.StartsWith(ApiOptions.SectionName + ":", StringComparison.OrdinalIgnoreCase))
        {
            return IsOption(typeof(ApiOptions), key[(ApiOptions.SectionName.Length + 1)..]);
        }

        return key.StartsWith(OrleansTasksOptions.SectionName + ":", StringComparison.OrdinalIgnoreCase)
            && IsOption(typeof(OrleansTasksOptions), key[(OrleansTasksOptions.SectionName.Length + 1)..]);
    }

    /// <summary>Whether a configuration path (<c>Schedules:Lookahead</c>, <c>SecretKeys:0</c>) names a property of the options type.</summary>
    private static bool IsOption(Type type, string path)
    {
        var parts = path.Split(':');
        var property = type.GetProperty(parts[0], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        if (property is null)
        {
            return false;
        }

        if (parts.Length == 1)
        {
            return true;
        }

        var isList = property.PropertyType.IsGenericType && property.PropertyType.GetGenericTypeDefinition() is { } generic
            && (generic == typeof(IList<>) || generic == typeof(List<>));
        return isList ? parts.Length == 2 && int.TryParse(parts[1], out _) : IsOption(property.PropertyType, string.Join(':', parts[1..]));
    }

    private static List<IKubernetesObject<V1ObjectMeta>> Rendered(string overlay) =>
        [.. Kustomization.Render(Path.IsPathRooted(overlay) ? overlay : Overlay(overlay)).Select(o => Read(Kustomization.ToYaml(o), $"{overlay}: {o["kind"]}"))];

    private static IKubernetesObject<V1ObjectMeta> Read(string yaml, string what)
    {
        try
        {
            var read = Assert.Single(KubernetesYaml.LoadAllFromString(yaml, typeMap: null, strict: true));
            return Assert.IsAssignableFrom<IKubernetesObject<V1ObjectMeta>>(read);
        }
        catch (Exception exception) when (exception is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{what} is not a valid Kubernetes object: {exception.Message}\n{yaml}");
        }
    }
}
