namespace EventEngine.Storage;

/// <summary>A command's first answer under an Idempotency-Key, stored with its events: what the request was (its hash) and what it was answered.</summary>
public sealed record CommandReceipt(string Key, string RequestHash, long FirstSeq, long LastSeq, string Response);
