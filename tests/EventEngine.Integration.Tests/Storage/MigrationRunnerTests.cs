using EventEngine.Integration.Tests.Infrastructure;
using EventEngine.Storage;

namespace EventEngine.Integration.Tests.Storage;

public sealed class MigrationRunnerTests
{
    private static readonly Migration CreateA = new("0001_create_a.sql", "create table a (x int primary key);");
    private static readonly Migration CreateB = new("0002_create_b.sql", "create table b (x int references a (x));");

    [Fact]
    public async Task FreshDatabase_GetsEveryEmbeddedMigration_RecordedWithChecksums()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);
        var embedded = Migration.Embedded();

        var applied = await database.Migrator().RunAsync();

        Assert.Equal(embedded.Select(m => m.Name), applied);
        Assert.Contains("0001_event_store.sql", applied);
        Assert.Equal(embedded[0].Checksum, await database.ScalarAsync<string>("select checksum from schema_migrations where version = '0001'"));
        Assert.Equal(0L, await database.ScalarAsync<long>("select count(*) from events"));
    }

    [Fact]
    public async Task SecondRun_AppliesNothing()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);
        await database.Migrator().RunAsync([CreateA, CreateB]);

        var again = await database.Migrator().RunAsync([CreateA, CreateB]);

        Assert.Empty(again);
        Assert.Equal(2L, await database.ScalarAsync<long>("select count(*) from schema_migrations"));
    }

    [Fact]
    public async Task Migrations_ApplyInOrdinalNameOrder_WhateverOrderTheyAreGivenIn()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);

        var applied = await database.Migrator().RunAsync([CreateB, new("0010_create_c.sql", "create table c (x int);"), CreateA]);

        Assert.Equal(["0001_create_a.sql", "0002_create_b.sql", "0010_create_c.sql"], applied);
    }

    [Fact]
    public async Task AppliedFileThatWasEdited_StopsTheRun_NamingTheFile()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);
        await database.Migrator().RunAsync([CreateA]);
        var edited = new Migration("0001_create_a.sql", "create table a (x int primary key, y int);");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => database.Migrator().RunAsync([edited, CreateB]));

        Assert.Contains("0001_create_a.sql", error.Message);
        Assert.Equal(1L, await database.ScalarAsync<long>("select count(*) from schema_migrations"));
    }

    [Fact]
    public async Task FailingMigration_IsRolledBack_NamingTheFile_AndEarlierOnesStay()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);
        var broken = new Migration("0002_broken.sql", "create table half (x int); select * from no_such_table;");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => database.Migrator().RunAsync([CreateA, broken]));

        Assert.Contains("0002_broken.sql", error.Message);
        Assert.Equal(["0001"], await VersionsAsync(database));
        Assert.Equal(0L, await database.ScalarAsync<long>("select count(*) from pg_tables where tablename = 'half'"));
    }

    [Fact]
    public void LineEndings_DoNotChangeTheChecksum_AndNamesAreChecked()
    {
        Assert.Equal(new Migration("0001_x.sql", "select 1;\nselect 2;\n").Checksum, new Migration("0001_x.sql", "select 1;\r\nselect 2;\r\n").Checksum);
        Assert.Throws<ArgumentException>(() => new Migration("create_a.sql", "select 1;"));
    }

    [Fact]
    public async Task TwoRunnersStartingTogether_BothFinish_AndEachFileIsAppliedOnce()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);
        await using var otherDataSource = Npgsql.NpgsqlDataSource.Create(database.ConnectionString);
        var other = new MigrationRunner(otherDataSource, Microsoft.Extensions.Logging.Abstractions.NullLogger<MigrationRunner>.Instance);

        // hold the runners' lock so both are certainly waiting before either starts
        await using var holder = await database.DataSource.OpenConnectionAsync();
        await using (var take = new Npgsql.NpgsqlCommand($"select pg_advisory_lock({MigrationRunner.LockKey})", holder))
        {
            await take.ExecuteNonQueryAsync();
        }

        var runs = new[] { database.Migrator().RunAsync([CreateA, CreateB]), other.RunAsync([CreateA, CreateB]) };
        await Wait.UntilAsync(async () => await database.ScalarAsync<long>($"""
            select count(*) from pg_locks
            where locktype = 'advisory' and not granted and (classid::bigint << 32) | objid::bigint = {MigrationRunner.LockKey}
            """) == 2, TimeSpan.FromSeconds(30));
        await using (var free = new Npgsql.NpgsqlCommand($"select pg_advisory_unlock({MigrationRunner.LockKey})", holder))
        {
            await free.ExecuteNonQueryAsync();
        }

        var applied = await Task.WhenAll(runs);

        Assert.Equal(["0001_create_a.sql", "0002_create_b.sql"], applied.SelectMany(a => a).Order());
        Assert.Contains(applied, a => a.Count == 0);
        Assert.Equal(["0001", "0002"], await VersionsAsync(database));
    }

    private static async Task<List<string>> VersionsAsync(TestDatabase database)
    {
        await using var command = database.DataSource.CreateCommand("select version from schema_migrations order by version");
        await using var reader = await command.ExecuteReaderAsync();
        var versions = new List<string>();
        while (await reader.ReadAsync())
        {
            versions.Add(reader.GetString(0));
        }

        return versions;
    }
}
