using System.Buffers.Binary;

namespace EventEngine.Replay;

/// <summary>
/// The ids a replay gives what it decides (new DaemonSets' uids, events): counted from the window, so that the same
/// request answers with the same pod names and ids, and nothing inside the pure replay draws a random id.
/// </summary>
public static class ReplayIds
{
    public static Func<Guid> For(long from, long to)
    {
        long next = 0;
        return () =>
        {
            Span<byte> bytes = stackalloc byte[16];
            BinaryPrimitives.WriteInt64BigEndian(bytes, from ^ (to << 32));
            BinaryPrimitives.WriteInt64BigEndian(bytes[8..], ++next);
            // a version 8 (custom) UUID, so these never collide with the random version 4 ids of the live log
            bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
            bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
            return new Guid(bytes, bigEndian: true);
        };
    }
}
