using System.Text.Json.Nodes;
using EventEngine.Model;
using EventEngine.Storage;
using MediatR;

namespace EventEngine.Projections.Queries;

/// <summary>GET /engine/v1/events?after=&amp;limit=: the raw audit log in seq order, with metadata.</summary>
public sealed record ListEvents(long After, int Limit) : IRequest<IReadOnlyList<JsonObject>>;

public sealed class EventQueryHandler(EventStore store) : IRequestHandler<ListEvents, IReadOnlyList<JsonObject>>
{
    public async Task<IReadOnlyList<JsonObject>> Handle(ListEvents q, CancellationToken ct) =>
        (await store.ReadAllAsync(q.After, q.Limit, ct)).Select(ToJson).ToList();

    /// <summary>The contract's event shape: seq, id, stream, version, type, data, metadata, recordedAt.</summary>
    public static JsonObject ToJson(StoredEvent e) => new()
    {
        ["seq"] = e.Seq,
        ["id"] = e.Id.ToString(),
        ["stream"] = e.Stream,
        ["version"] = e.Version,
        ["type"] = e.Type,
        ["data"] = Json.ParseStored(e.Data),
        ["metadata"] = new JsonObject
        {
            ["correlationId"] = e.Metadata.CorrelationId,
            ["causationId"] = e.Metadata.CausationId,
            ["actor"] = e.Metadata.Actor,
            ["impersonatedBy"] = e.Metadata.ImpersonatedBy,
            ["reason"] = e.Metadata.Reason is { } r ? new JsonObject { ["code"] = r.Code, ["message"] = r.Message } : null,
            ["source"] = e.Metadata.Source is { } s
                ? new JsonObject { ["resourceVersion"] = s.ResourceVersion, ["uid"] = s.Uid, ["auditId"] = s.AuditId }
                : null,
        },
        ["recordedAt"] = Json.FormatTime(e.RecordedAt),
    };
}
