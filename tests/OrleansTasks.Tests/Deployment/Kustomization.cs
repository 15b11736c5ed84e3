using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;

namespace OrleansTasks.Tests.Deployment;

/// <summary>
/// Renders a kustomization as <c>kubectl apply -k</c> would, for the parts of kustomize deploy/k8s uses: resources
/// (files and directories), <c>namespace</c>, <c>labels</c> (metadata only), strategic-merge <c>patches</c> (maps
/// merged, lists of named items merged by name, <c>$patch: delete</c>) and <c>images</c>. Anything else in a
/// kustomization is refused, so the manifests cannot come to rely on something this does not check.
/// </summary>
internal static class Kustomization
{
    private static readonly HashSet<string> s_supported = ["apiVersion", "kind", "namespace", "labels", "resources", "patches", "images"];

    /// <summary>The repository's deploy/k8s folder.</summary>
    public static string Root
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "deploy", "k8s")))
            {
                directory = directory.Parent;
            }

            return directory is null ? throw new DirectoryNotFoundException("deploy/k8s was not found above the test binaries.") : Path.Combine(directory.FullName, "deploy", "k8s");
        }
    }

    /// <summary>The rendered objects of the kustomization in <paramref name="folder"/>, as YAML documents' maps.</summary>
    public static List<Dictionary<object, object>> Render(string folder)
    {
        var kustomization = ReadOne(Path.Combine(folder, "kustomization.yaml"));
        var unknown = kustomization.Keys.Select(k => (string)k).Except(s_supported).ToList();
        if (unknown.Count > 0)
        {
            throw new NotSupportedException($"{folder}/kustomization.yaml uses {string.Join(", ", unknown)}, which this renderer does not check.");
        }

        var objects = new List<Dictionary<object, object>>();
        foreach (var resource in List(kustomization, "resources").Cast<string>())
        {
            var path = Path.GetFullPath(Path.Combine(folder, resource));
            objects.AddRange(Directory.Exists(path) ? Render(path) : ReadAll(path));
        }

        foreach (var patch in List(kustomization, "patches").Cast<Dictionary<object, object>>())
        {
            foreach (var document in ReadAll(Path.Combine(folder, (string)patch["path"])))
            {
                Apply(objects, document);
            }
        }

        if (kustomization.TryGetValue("namespace", out var ns))
        {
            foreach (var item in objects.Where(o => (string)o["kind"] != "Namespace"))
            {
                Map(item, "metadata")["namespace"] = ns;
            }
        }

        foreach (var labels in List(kustomization, "labels").Cast<Dictionary<object, object>>())
        {
            foreach (var item in objects)
            {
                var metadata = Map(item, "metadata");
                var existing = metadata.TryGetValue("labels", out var l) ? (Dictionary<object, object>)l : [];
                foreach (var (key, value) in (Dictionary<object, object>)labels["pairs"])
                {
                    existing[key] = value;
                }

                metadata["labels"] = existing;
            }
        }

        foreach (var image in List(kustomization, "images").Cast<Dictionary<object, object>>())
        {
            foreach (var container in objects.SelectMany(Containers).Where(c => ImageName((string)c["image"]) == (string)image["name"]))
            {
                var name = image.TryGetValue("newName", out var newName) ? (string)newName : (string)image["name"];
                container["image"] = image.TryGetValue("newTag", out var tag) ? $"{name}:{tag}" : name;
            }
        }

        return objects;
    }

    /// <summary>One object as YAML text.</summary>
    public static string ToYaml(Dictionary<object, object> item) => new SerializerBuilder().Build().Serialize(item);

    /// <summary>Every YAML file in a folder, each document as it is written.</summary>
    public static IEnumerable<(string File, Dictionary<object, object> Document)> Files(string folder) =>
        Directory.EnumerateFiles(folder, "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml").Order()
            .SelectMany(f => ReadAll(f).Select(d => (f, d)));

    public static IEnumerable<Dictionary<object, object>> Containers(Dictionary<object, object> item)
    {
        if (item.TryGetValue("spec", out var spec) && spec is Dictionary<object, object> s
            && s.TryGetValue("template", out var template) && template is Dictionary<object, object> t
            && t.TryGetValue("spec", out var podSpec) && podSpec is Dictionary<object, object> p
            && p.TryGetValue("containers", out var containers))
        {
            return ((List<object>)containers).Cast<Dictionary<object, object>>();
        }

        return [];
    }

    private static string ImageName(string image) => image.Split(':')[0];

    private static void Apply(List<Dictionary<object, object>> objects, Dictionary<object, object> patch)
    {
        var kind = (string)patch["kind"];
        var name = (string)Map(patch, "metadata")["name"];
        var target = objects.SingleOrDefault(o => (string)o["kind"] == kind && (string)Map(o, "metadata")["name"] == name)
            ?? throw new InvalidOperationException($"The patch of {kind} {name} matches no resource.");
        if (patch.TryGetValue("$patch", out var directive) && (string)directive == "delete")
        {
            objects.Remove(target);
            return;
        }

        Merge(target, patch);
    }

    /// <summary>Strategic merge for what the manifests patch: maps key by key, lists of named maps by name, other values replaced.</summary>
    private static void Merge(Dictionary<object, object> target, Dictionary<object, object> patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is Dictionary<object, object> map && target.TryGetValue(key, out var existing) && existing is Dictionary<object, object> existingMap)
            {
                Merge(existingMap, map);
            }
            else if (value is List<object> list && target.TryGetValue(key, out var existingValue) && existingValue is List<object> existingList
                && list.All(i => i is Dictionary<object, object> d && d.ContainsKey("name")))
            {
                foreach (var item in list.Cast<Dictionary<object, object>>())
                {
                    var match = existingList.Cast<Dictionary<object, object>>().FirstOrDefault(e => Equals(e.GetValueOrDefault("name"), item["name"]));
                    if (match is null)
                    {
                        existingList.Add(item);
                    }
                    else
                    {
                        Merge(match, item);
                    }
                }
            }
            else
            {
                target[key] = value;
            }
        }
    }

    private static Dictionary<object, object> Map(Dictionary<object, object> item, string key) => (Dictionary<object, object>)item[key];

    private static List<object> List(Dictionary<object, object> item, string key) => item.TryGetValue(key, out var value) ? (List<object>)value : [];

    private static Dictionary<object, object> ReadOne(string path) => ReadAll(path).Single();

    /// <summary>The documents of a YAML file, as plain maps and lists (scalars as strings).</summary>
    public static List<Dictionary<object, object>> ReadAll(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }

        return [.. stream.Documents.Select(d => (Dictionary<object, object>)Convert(d.RootNode))];
    }

    private static object Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => map.Children.ToDictionary(c => (object)((YamlScalarNode)c.Key).Value!, c => Convert(c.Value)),
        YamlSequenceNode list => list.Children.Select(Convert).ToList(),
        YamlScalarNode scalar => scalar.Value!,
        _ => throw new NotSupportedException(node.GetType().Name),
    };
}
