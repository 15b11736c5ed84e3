using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace OrleansTasks;

/// <summary>Checks of a caller's arguments that fail with <see cref="InvalidRequestException"/>, whose message says what was wrong.</summary>
internal static class Guard
{
    public static void NotBlank([NotNull] string? value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidRequestException($"{name} is {(value is null ? "null" : "empty or blank")}; give a value.", name);
        }
    }

    public static void InRange(int value, int min, int max, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (value < min || value > max)
        {
            throw new InvalidRequestException($"{name} is {value:N0}; it must be between {min:N0} and {max:N0}.", name);
        }
    }

    public static void NotNegative(TimeSpan value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (value < TimeSpan.Zero)
        {
            throw new InvalidRequestException($"{name} is {value}; it must not be negative.", name);
        }
    }
}
