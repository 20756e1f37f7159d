using System.Globalization;
using System.Text;

namespace EventEngine.Integration.Tests.Infrastructure;

/// <summary>
/// A scrape in the Prometheus text format (0.0.4), read as Prometheus reads it: every sample with its labels, and the
/// type each metric family declares. Reading it strictly (a line that does not parse fails the test) is part of
/// showing that the server's /metrics is something Prometheus can take.
/// </summary>
public sealed class PrometheusText
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    private PrometheusText(IReadOnlyList<Sample> samples, IReadOnlyDictionary<string, string> types)
    {
        Samples = samples;
        Types = types;
    }

    public IReadOnlyList<Sample> Samples { get; }

    /// <summary>Each family's declared type (counter, gauge, histogram, summary, untyped), by family name.</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    public static PrometheusText Parse(string text)
    {
        var samples = new List<Sample>();
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0) continue;
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.True(parts.Length == 4, $"a TYPE line has a name and a type: {line}");
                types[parts[2]] = parts[3];
                continue;
            }
            if (line.StartsWith('#')) continue;
            samples.Add(ParseSample(line));
        }
        return new PrometheusText(samples, types);
    }

    /// <summary>The sum of the samples named <paramref name="name"/> that carry these labels (whatever their others); 0 when none does.</summary>
    public double Sum(string name, params (string Label, string Value)[] labels) =>
        Matching(name, labels).Sum(s => s.Value);

    /// <summary>The samples named <paramref name="name"/> that carry these labels (whatever their others).</summary>
    public IEnumerable<Sample> Matching(string name, params (string Label, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value));

    private static Sample ParseSample(string line)
    {
        var at = 0;
        while (at < line.Length && line[at] is not ('{' or ' ')) at++;
        var name = line[..at];
        Assert.False(string.IsNullOrEmpty(name), $"a sample has a name: {line}");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (at < line.Length && line[at] == '{')
        {
            at++;
            while (line[at] != '}')
            {
                var equals = line.IndexOf('=', at);
                var label = line[at..equals];
                Assert.True(line[equals + 1] == '"', $"a label value is quoted: {line}");
                at = equals + 2;
                var value = new StringBuilder();
                for (; line[at] != '"'; at++)
                {
                    if (line[at] != '\\')
                    {
                        value.Append(line[at]);
                        continue;
                    }
                    at++;
                    value.Append(line[at] switch
                    {
                        'n' => '\n',
                        '\\' => '\\',
                        '"' => '"',
                        var other => throw new FormatException($"\\{other} is no escape of the format: {line}"),
                    });
                }
                Assert.True(labels.TryAdd(label, value.ToString()), $"label {label} appears once: {line}");
                at++;
                if (line[at] == ',') at++;
            }
            at++;
        }
        var fields = line[at..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(fields.Length is 1 or 2, $"a sample is a value and perhaps a timestamp: {line}");
        return new Sample(name, labels, ParseValue(fields[0], line));
    }

    private static double ParseValue(string text, string line) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"\"{text}\" is not a number: {line}"),
    };
}
