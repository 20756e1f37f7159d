using EventEngine.Api.Hosting;
using System.Runtime.Versioning;
using EventEngine.Integration.Tests.Infrastructure;
using EventEngine.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EventEngine.Integration.Tests.Storage;

[UnsupportedOSPlatform("windows")]
public sealed class EmbeddedPostgresTests : IDisposable
{
    private readonly string root = TestScratch.NewPath("embedded");

    [Fact]
    public async Task NoServerProgramsFound_ErrorSaysHowToInstallThem()
    {
        var options = new EmbeddedPostgresOptions { DataDirectory = Path.Combine(root, "pg"), SearchPath = [] };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => EmbeddedPostgres.StartAsync(options, NullLogger.Instance));

        Assert.Contains("apt-get update && apt-get install -y postgresql", error.Message);
        Assert.False(Directory.Exists(root));
    }

    [Fact]
    public void ServerPrograms_AreFoundOnTheDefaultSearchPath_InTheirRealDirectory()
    {
        var binaries = PostgresBinaries.Find();

        Assert.True(File.Exists(binaries.InitDb));
        Assert.True(File.Exists(binaries.PgCtl));
        Assert.True(File.Exists(Path.Combine(binaries.Directory, "postgres")));
    }

    [Fact]
    public async Task SecondStartOnTheSameDirectory_KeepsTheData()
    {
        var options = Options();
        await using (var first = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance))
        {
            await ExecuteAsync(first.ConnectionString, "create table kept (x int); insert into kept values (42)");
        }

        await using var second = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance);

        Assert.Equal(42, await ExecuteAsync(second.ConnectionString, "select x from kept"));
    }

    [Fact]
    public async Task ServerLeftRunningOnTheDirectory_IsStoppedAndTheClusterStartsAgain()
    {
        var options = Options();
        var abandoned = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance);

        await using (var next = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance))
        {
            Assert.Equal(1, await ExecuteAsync(next.ConnectionString, "select 1"));
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => ExecuteAsync(abandoned.ConnectionString + ";Timeout=3", "select 1"));
        }

        await abandoned.DisposeAsync(); // finds nothing left to stop, and says so in the log
    }

    [Fact]
    public async Task DataDirectoryUnderAPrivateFolder_IsMadeReachable_WhenRunningAsRoot()
    {
        Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        await using var server = await EmbeddedPostgres.StartAsync(Options(), NullLogger.Instance);

        Assert.Equal(1, await ExecuteAsync(server.ConnectionString, "select 1"));
        if (Environment.IsPrivilegedProcess)
        {
            Assert.True(File.GetUnixFileMode(root).HasFlag(UnixFileMode.OtherExecute));
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private EmbeddedPostgresOptions Options() => new() { DataDirectory = Path.Combine(root, "pg"), Durable = false };

    private static async Task<int> ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync() is int value ? value : 0;
    }
}
