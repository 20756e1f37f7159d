using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;

namespace EventEngine.Api.Http;

/// <summary>
/// Typed query and route values (int? limit, long? after, bool? watch, long rev) are checked once routing has chosen
/// the endpoint and before minimal API binding sees them: binding refuses a value that does not parse (an empty one
/// too) with a bare 400 that names nothing, so such a value is answered here, as a 400 problem naming the parameter.
/// </summary>
public sealed class TypedValues(RequestDelegate next)
{
    private sealed record Check(string Name, Func<string, bool> Parses, string Expected);

    private readonly ConcurrentDictionary<Endpoint, Check[]> _checks = new();

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        // text that reaches the database must be text it can hold: no U+0000, no unpaired surrogate
        foreach (var (name, values) in request.Query)
            foreach (var value in values.Append(name))
                if (Unstorable(value) is { } why)
                    return Problems.Problem(400, "Malformed request", $"{name}: {why}", [(name, why)]).ExecuteAsync(context);
        foreach (var (name, value) in request.RouteValues)
            if (Unstorable(Convert.ToString(value, CultureInfo.InvariantCulture)) is { } why)
                return Problems.Problem(400, "Malformed request", $"{name}: {why}", [(name, why)]).ExecuteAsync(context);

        if (context.GetEndpoint() is not { } endpoint || endpoint.Metadata.GetMetadata<MethodInfo>() is not { } handler) return next(context);
        foreach (var check in _checks.GetOrAdd(endpoint, _ => handler.GetParameters().Select(CheckOf).OfType<Check>().ToArray()))
        {
            // binding takes a route value first, then the query; several query values are read as one, comma-joined
            string value;
            if (request.RouteValues.TryGetValue(check.Name, out var route)) value = Convert.ToString(route, CultureInfo.InvariantCulture) ?? "";
            else if (request.Query.TryGetValue(check.Name, out var query)) value = query.ToString();
            else continue;
            if (check.Parses(value)) continue;
            var message = $"Invalid value: \"{value}\": {check.Expected}";
            return Problems.Problem(400, "Malformed request", $"{check.Name}: {message}", [(check.Name, message)]).ExecuteAsync(context);
        }
        return next(context);
    }

    private static string? Unstorable(string? value)
    {
        try
        {
            Model.Strings.Check(value ?? "", "");
            return null;
        }
        catch (Model.ManifestException e)
        {
            return e.Message;
        }
    }

    /// <summary>What to check for a parameter bound from the route or the query: any parsable type but string.</summary>
    private static Check? CheckOf(ParameterInfo parameter)
    {
        var attributes = parameter.GetCustomAttributes(inherit: true);
        if (attributes.Any(a => a is IFromBodyMetadata or IFromServiceMetadata or IFromHeaderMetadata or IFromFormMetadata)) return null;
        var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
        if (type == typeof(string) || !type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IParsable<>))) return null;
        var name = attributes.OfType<IFromQueryMetadata>().FirstOrDefault()?.Name
            ?? attributes.OfType<IFromRouteMetadata>().FirstOrDefault()?.Name
            ?? parameter.Name!;
        var parses = typeof(TypedValues).GetMethod(nameof(Parses), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(type)
            .CreateDelegate<Func<string, bool>>();
        return new Check(name, parses, Expected(type));
    }

    private static bool Parses<T>(string value) where T : IParsable<T> => T.TryParse(value, CultureInfo.InvariantCulture, out _);

    private static string Expected(Type type) =>
        type == typeof(int) || type == typeof(long) ? "must be an integer"
        : type == typeof(bool) ? "must be true or false"
        : $"must be a {type.Name}";
}
