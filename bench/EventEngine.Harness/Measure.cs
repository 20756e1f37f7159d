using System.Diagnostics;

namespace EventEngine.Harness;

/// <summary>Latency samples and what a report says of them.</summary>
public sealed class Samples
{
    private readonly List<double> _ms = [];

    public int Count => _ms.Count;

    public void Add(TimeSpan elapsed)
    {
        lock (_ms) _ms.Add(elapsed.TotalMilliseconds);
    }

    public double Percentile(double p)
    {
        lock (_ms)
        {
            if (_ms.Count == 0) return double.NaN;
            var sorted = _ms.Order().ToList();
            return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
        }
    }

    public double Mean
    {
        get
        {
            lock (_ms) return _ms.Count == 0 ? double.NaN : _ms.Average();
        }
    }

    public static async Task<TimeSpan> TimeAsync(Func<Task> work)
    {
        var watch = Stopwatch.StartNew();
        await work();
        return watch.Elapsed;
    }
}

/// <summary>One row of the report: a figure beside the baseline measured in the same run.</summary>
public sealed record Row(string Group, string What, double Value, string Unit, string Baseline, double BaselineValue, double Ratio, string Goal);

/// <summary>The resident memory of a process, from /proc.</summary>
public static class Memory
{
    public static long ResidentBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        return 0;
    }

    public static double Mib(long bytes) => bytes / 1024.0 / 1024.0;

    /// <summary>How many times the server has handed memory back (eventengine_memory_trim_duration_seconds_count).</summary>
    public static async Task<int> TrimsAsync(Server server) => (int)await MetricAsync(server, "eventengine_memory_trim_duration_seconds_count");

    /// <summary>How many streams' positions the server keeps in memory (eventengine_streams_kept).</summary>
    public static Task<long> StreamsKeptAsync(Server server) => MetricAsync(server, "eventengine_streams_kept");

    /// <summary>A metric without labels, as /metrics shows it now (0 when absent).</summary>
    private static async Task<long> MetricAsync(Server server, string name)
    {
        using var http = server.Client();
        var metrics = await http.GetStringAsync("/metrics");
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return line is null ? 0 : (long)double.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Waits, asking no more than every 2 s (a request makes the server not quiet), until the server has trimmed more
    /// than <paramref name="trims"/> times, or 40 s have passed: whether it did.
    /// </summary>
    public static async Task<bool> AfterTrimAsync(Server server, int trims)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(40))
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            if (await TrimsAsync(server) > trims) return true;
        }
        return false;
    }
}

/// <summary>CPU time (user and system) from /proc: one process, or every PostgreSQL process on this machine.</summary>
public static class Cpu
{
    private static readonly double TicksPerSecond = 100; // USER_HZ, 100 on Linux

    public static double Seconds(int pid)
    {
        try
        {
            // the fields after the command name (which may hold spaces) start at state; utime and stime are 14th and 15th
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (IOException)
        {
            return 0; // the process has gone
        }
    }

    /// <summary>Every running process named postgres (the server and its backends; what exited meanwhile is not counted).</summary>
    public static double PostgresSeconds() => Directory.EnumerateDirectories("/proc")
        .Select(Path.GetFileName)
        .Where(d => d!.All(char.IsAsciiDigit))
        .Select(int.Parse!)
        .Where(pid => Name(pid) == "postgres")
        .Sum(Seconds);

    private static string? Name(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
