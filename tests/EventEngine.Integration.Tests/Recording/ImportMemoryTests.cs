using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.Recording;

/// <summary>
/// An import is read as it arrives, a line or a value at a time: an audit log of 200 MB (lease updates, which are not
/// recorded, then a node's creation), as JSON lines and as pretty-printed concatenated values, is imported by a server
/// process whose peak resident memory grows by a small part of the file. Read whole, the file was held as bytes, then
/// as a string, then as lines and then as parsed values: more than a gigabyte.
/// </summary>
[Trait("Category", "Recording")]
public sealed class ImportMemoryTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const long FileBytes = 200L * 1024 * 1024;

    private TestDatabase _database = null!;
    private ServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Events"] = _database.ConnectionString,
            ["Engine:Mode"] = "Observe",
            ["Engine:Clock"] = "System",
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _database.DisposeAsync();
    }

    private static string Lease(int i, bool pretty)
    {
        var line = $$"""{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"00000000-0000-4000-8000-{{i:D12}}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/kube-node-lease/leases/n{{i % 5000}}","verb":"update","user":{"username":"system:node:n{{i % 5000}}","groups":["system:authenticated"]},"objectRef":{"resource":"leases","name":"n{{i % 5000}}","apiVersion":"v1","namespace":"kube-node-lease"},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2026-01-10T10:01:10.000000Z","stageTimestamp":"2026-01-10T10:01:10.000000Z"}""";
        return pretty ? JsonNode.Parse(line)!.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n" : line + "\n";
    }

    private const string NodeCreated = """{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"00000000-0000-4000-8000-ffffffffffff","stage":"ResponseComplete","requestURI":"/api/v1/nodes","verb":"create","user":{"username":"system:node:n1"},"objectRef":{"resource":"nodes","name":"n1","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":201},"requestReceivedTimestamp":"2026-01-10T10:00:00.000000Z","stageTimestamp":"2026-01-10T10:00:00.012000Z","responseObject":{"kind":"Node","apiVersion":"v1","metadata":{"name":"n1","uid":"7c1e0b6e-0000-4000-8000-0000000000a1","resourceVersion":"1101","creationTimestamp":"2026-01-10T10:00:00Z"},"spec":{}}}""";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ALargeImport_IsReadAsItArrives_InBoundedMemory(bool pretty)
    {
        var client = _server.Client();
        client.Timeout = TimeSpan.FromMinutes(5);
        // the import's code is warm (and the server's memory settled) before the peak is read
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/engine/v1/import", new StringContent(Lease(0, pretty), Encoding.UTF8, "application/json"))).StatusCode);
        var before = PeakResidentBytes();

        var count = (int)(FileBytes / Encoding.UTF8.GetByteCount(Lease(0, pretty)));
        using var response = await client.PostAsync("/engine/v1/import", new Generated(count, i => Lease(i, pretty), NodeCreated + "\n"));
        var summary = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((count + 1L, 1L, (long)count), ((long)summary["read"]!, (long)summary["recorded"]!, (long)summary["skipped"]!));
        Assert.Equal("node_joined.v1", (string?)(await client.EventsAsync()).Single()["type"]);

        var growth = PeakResidentBytes() - before;
        output.WriteLine($"{count} values, {FileBytes / 1048576} MiB: the peak resident memory grew by {growth / 1048576} MiB");
        Assert.True(growth < FileBytes / 2, $"the peak resident memory grew by {growth / 1048576} MiB importing {FileBytes / 1048576} MiB");
    }

    /// <summary>The server process's peak resident set (VmHWM).</summary>
    private long PeakResidentBytes()
    {
        var line = File.ReadLines($"/proc/{_server.Pid}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>A body written as it is sent, of unknown length (chunked), so the test holds none of it.</summary>
    private sealed class Generated(int count, Func<int, string> value, string last) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            for (var i = 1; i <= count; i++) await writer.WriteAsync(value(i));
            await writer.WriteAsync(last);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
