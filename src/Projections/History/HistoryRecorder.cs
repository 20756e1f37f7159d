using System.Threading.Channels;
using EventEngine.Runtime;
using EventEngine.State;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventEngine.Projections.History;

/// <summary>
/// Writes, off the request path, a snapshot whenever the log has grown by <see cref="SnapshotOptions.Every"/>
/// events, and (Engine:RecordFingerprints) the fingerprint of the live state after every command. States are
/// immutable, so the one handed over is exactly the state at its seq.
/// </summary>
public sealed class HistoryRecorder(Snapshots snapshots, SnapshotOptions options, NpgsqlDataSource db, ILogger<HistoryRecorder> logger)
{
    private readonly Channel<(long Seq, ClusterState State)> _queue = Channel.CreateUnbounded<(long, ClusterState)>(new() { SingleReader = true });
    private long _lastSnapshot = -1;
    private long _recorded;

    /// <summary>The last seq fully handled (snapshot and fingerprint written, when due).</summary>
    public long RecordedUpTo => Interlocked.Read(ref _recorded);

    /// <summary>Called by the runtime in log order; never blocks the command.</summary>
    public void Enqueue(long seq, ClusterState state) => _queue.Writer.TryWrite((seq, state));

    public async Task RunAsync(CancellationToken ct)
    {
        if (_lastSnapshot < 0) _lastSnapshot = await snapshots.LatestSeqAsync(ct);
        await foreach (var (seq, state) in _queue.Reader.ReadAllAsync(ct))
        {
            try
            {
                if (seq - _lastSnapshot >= options.Every)
                {
                    await snapshots.WriteAsync(seq, state, ct);
                    _lastSnapshot = seq;
                }
                if (options.RecordFingerprints)
                {
                    await using var command = db.CreateCommand("insert into state_fingerprints (seq, fingerprint) values (@a, @b) on conflict (seq) do nothing");
                    command.Parameters.AddWithValue("a", seq);
                    command.Parameters.AddWithValue("b", Fingerprint.Of(state));
                    await command.ExecuteNonQueryAsync(ct);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // snapshots are a cache: a missing one only makes time travel fold a longer tail
                logger.LogWarning(e, "Could not record history at seq {Seq}", seq);
            }
            Interlocked.Exchange(ref _recorded, seq);
        }
    }
}
