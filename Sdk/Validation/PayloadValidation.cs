using System.Collections;
using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Reflection;

namespace OrleansTasks.Validation;

/// <summary>
/// Checks a payload against its type's DataAnnotations attributes and <see cref="IValidatableObject"/>, through nested
/// objects and collections, collecting every broken rule. A type with no rules anywhere is found once and then
/// skipped, so tasks without validation pay nothing per run.
/// </summary>
internal static class PayloadValidation
{
    private const int MaxDepth = 32;
    private static readonly ConcurrentDictionary<Type, bool> s_hasRules = new();
    private static readonly ConcurrentDictionary<Type, bool> s_acceptsNull = new();

    /// <summary>
    /// The broken rules; empty when the payload is valid or its type has no rules. A null payload is one broken rule
    /// when the task's payload is not nullable (<see cref="AcceptsNull"/>).
    /// </summary>
    public static IReadOnlyList<string> Validate(Type taskType, Type payloadType, object? payload)
    {
        if (payload is null)
        {
            return AcceptsNull(taskType, payloadType)
                ? []
                : [$"payload: is null, but the task takes a non-nullable {payloadType.Name}; send a {payloadType.Name} (declare the payload {payloadType.Name}? to allow null)."];
        }

        if (!HasRules(payloadType))
        {
            return [];
        }

        var errors = new List<string>();
        Visit(payload, path: string.Empty, errors, new HashSet<object>(ReferenceEqualityComparer.Instance), depth: 0);
        return errors;
    }

    /// <summary>Throws <see cref="PayloadValidationException"/> listing every broken rule.</summary>
    public static void ThrowIfInvalid(string taskId, Type taskType, Type payloadType, object? payload)
    {
        var errors = Validate(taskType, payloadType, payload);
        if (errors.Count > 0)
        {
            throw new PayloadValidationException(taskId, errors);
        }
    }

    /// <summary>
    /// Whether the task takes a null payload: a <see cref="Nullable{T}"/> value type, or a reference type whose
    /// <c>RunAsync</c> parameter is declared nullable (or compiled without nullable annotations, where it cannot be told).
    /// </summary>
    public static bool AcceptsNull(Type taskType, Type payloadType) => s_acceptsNull.GetOrAdd(taskType, static (task, payload) =>
    {
        if (payload.IsValueType)
        {
            return Nullable.GetUnderlyingType(payload) is not null;
        }

        var run = task.GetMethod("RunAsync", BindingFlags.Public | BindingFlags.Instance, [payload, typeof(TaskContext), typeof(CancellationToken)]);
        return run is null || new NullabilityInfoContext().Create(run.GetParameters()[0]).ReadState != NullabilityState.NotNull;
    }, payloadType);

    private static void Visit(object value, string path, List<string> errors, HashSet<object> seen, int depth)
    {
        var type = value.GetType();
        if (depth > MaxDepth || IsLeaf(type) || !seen.Add(value))
        {
            return;
        }

        if (value is IEnumerable items and not string)
        {
            var index = 0;
            foreach (var item in items)
            {
                if (item is not null)
                {
                    Visit(item, $"{path}[{index}]", errors, seen, depth + 1);
                }

                index++;
            }

            return;
        }

        if (!HasRules(type))
        {
            return;
        }

        var results = new List<ValidationResult>();
        Validator.TryValidateObject(value, new ValidationContext(value), results, validateAllProperties: true);
        foreach (var result in results)
        {
            var members = result.MemberNames.Any() ? string.Join(", ", result.MemberNames.Select(m => Join(path, m))) : (path.Length == 0 ? "payload" : path);
            errors.Add($"{members}: {result.ErrorMessage}");
        }

        foreach (var property in Properties(type))
        {
            if (property.GetValue(value) is { } child)
            {
                Visit(child, Join(path, property.Name), errors, seen, depth + 1);
            }
        }
    }

    private static bool HasRules(Type type) => s_hasRules.GetOrAdd(type, static t => HasRules(t, []));

    private static bool HasRules(Type type, HashSet<Type> visiting)
    {
        type = ElementType(type);
        if (IsLeaf(type) || !visiting.Add(type))
        {
            return false;
        }

        if (typeof(IValidatableObject).IsAssignableFrom(type) || type.GetCustomAttributes<ValidationAttribute>(inherit: true).Any())
        {
            return true;
        }

        return Properties(type).Any(p => p.GetCustomAttributes<ValidationAttribute>(inherit: true).Any() || HasRules(p.PropertyType, visiting));
    }

    private static Type ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType()!;
        }

        if (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type))
        {
            var enumerable = type.GetInterfaces().Append(type)
                .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
            return enumerable?.GetGenericArguments()[0] ?? typeof(object);
        }

        return Nullable.GetUnderlyingType(type) ?? type;
    }

    private static IEnumerable<PropertyInfo> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0 && p.CanRead);

    private static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(object)
        || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(TimeSpan) || type == typeof(Guid)
        || type == typeof(DateOnly) || type == typeof(TimeOnly) || type == typeof(Uri)
        || type.Namespace?.StartsWith("System.Text.Json", StringComparison.Ordinal) == true;

    private static string Join(string path, string member) => path.Length == 0 ? member : $"{path}.{member}";
}
