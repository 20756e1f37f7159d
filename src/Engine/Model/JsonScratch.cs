using System.Buffers;
using System.Text.Json;

namespace EventEngine.Model;

/// <summary>
/// A buffer and a writer each thread reuses, for JSON that is written and read back at once (canonical JSON, a pod's
/// spec): objects are rendered on every core, one at a time, without a new buffer each. A buffer grown past
/// <see cref="Kept"/> by a large object is not kept for the next one.
/// </summary>
public sealed class JsonScratch(JsonWriterOptions options)
{
    private const int Kept = 64 * 1024;

    private readonly ThreadLocal<Scratch?> _scratch = new();

    /// <summary>Writes <paramref name="state"/> with <paramref name="write"/>, and returns what <paramref name="read"/> makes of the bytes.</summary>
    public TResult Write<TState, TResult>(TState state, Action<Utf8JsonWriter, TState> write, Func<ReadOnlyMemory<byte>, TResult> read)
    {
        var scratch = _scratch.Value ??= new Scratch(options);
        scratch.Buffer.ResetWrittenCount();
        scratch.Writer.Reset(scratch.Buffer);
        try
        {
            write(scratch.Writer, state);
            scratch.Writer.Flush();
            return read(scratch.Buffer.WrittenMemory);
        }
        finally
        {
            if (scratch.Buffer.Capacity > Kept) _scratch.Value = null;
        }
    }

    private sealed class Scratch
    {
        public Scratch(JsonWriterOptions options)
        {
            Buffer = new ArrayBufferWriter<byte>(4096);
            Writer = new Utf8JsonWriter(Buffer, options);
        }

        public ArrayBufferWriter<byte> Buffer { get; }
        public Utf8JsonWriter Writer { get; }
    }
}
