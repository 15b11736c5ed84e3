using System.Diagnostics;
using System.Text.Json;

namespace OrleansTasks.Tests.Api;

/// <summary>
/// Trigger.dev's official SDK (<c>@trigger.dev/sdk</c>, pinned in tests/sdk-compat/package.json and installed there by
/// test.sh with <c>npm ci</c>), one call per node process: <see cref="CallAsync"/> runs <c>node sdk.mjs</c>, its arguments on stdin.
/// </summary>
internal static class TriggerSdk
{
    private static readonly Lazy<string> s_directory = new(FindDirectory);

    /// <summary>The call's answer: <c>{"ok":true,"result":…}</c> or <c>{"ok":false,"status":…,"name":…,"message":…}</c>.</summary>
    /// <param name="onProgress">Called with each progress line the script writes to its error output (<c>progress: …</c>).</param>
    public static async Task<SdkResult> CallAsync(string baseUrl, string accessToken, string operation, object? arguments = null, Action<string>? onProgress = null)
    {
        var start = new ProcessStartInfo("node", ["sdk.mjs", operation])
        {
            WorkingDirectory = s_directory.Value,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["TRIGGER_API_URL"] = baseUrl;
        start.Environment["TRIGGER_SECRET_KEY"] = accessToken;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        await process.StandardInput.WriteAsync(JsonSerializer.Serialize(arguments ?? new { }));
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = ReadErrorsAsync(process.StandardError, onProgress);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(limit.Token);
        var line = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()
            ?? throw new InvalidOperationException($"node sdk.mjs {operation} printed nothing and exited with {process.ExitCode}; its errors: {await errors}");
        using var document = JsonDocument.Parse(line);
        return new SdkResult(operation, document.RootElement.Clone(), await errors);
    }

    private static async Task<string> ReadErrorsAsync(StreamReader reader, Action<string>? onProgress)
    {
        var text = new System.Text.StringBuilder();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("progress: ", StringComparison.Ordinal))
            {
                onProgress?.Invoke(line["progress: ".Length..]);
            }
            else
            {
                text.AppendLine(line);
            }
        }

        return text.ToString();
    }

    private static string FindDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "sdk-compat");
            if (File.Exists(Path.Combine(candidate, "sdk.mjs")))
            {
                return File.Exists(Path.Combine(candidate, "node_modules", "@trigger.dev", "sdk", "package.json"))
                    ? candidate
                    : throw new InvalidOperationException($"Trigger.dev's SDK is not installed in {candidate}: run 'npm ci --prefix tests/sdk-compat' (test.sh does).");
            }
        }

        throw new InvalidOperationException("tests/sdk-compat was not found above the test binaries.");
    }
}

/// <summary>What one SDK call answered.</summary>
internal sealed record SdkResult(string Operation, JsonElement Answer, string Errors)
{
    public bool Ok => Answer.GetProperty("ok").GetBoolean();

    /// <summary>The call's result; fails the test, with the SDK's error, when the call failed.</summary>
    public JsonElement Result => Ok ? Answer.GetProperty("result") : throw new Xunit.Sdk.XunitException($"SDK {Operation} failed: {Answer.GetRawText()} {Errors}");

    /// <summary>The HTTP status of a failed call (null for a call that did not reach the server or succeeded).</summary>
    public int? Status => !Ok && Answer.GetProperty("status").ValueKind == JsonValueKind.Number ? Answer.GetProperty("status").GetInt32() : null;

    public string Message => Ok ? "" : Answer.GetProperty("message").GetString() ?? "";
}
