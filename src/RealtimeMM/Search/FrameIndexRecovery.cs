namespace RealtimeMM.Search;

/// <summary>What opening an index dropped: the bytes after the last whole, intact record, and why.</summary>
public sealed record FrameIndexRecovery(long KeptRecords, long DroppedBytes, string Reason)
{
    public override string ToString() => $"kept {KeptRecords} records, dropped {DroppedBytes} bytes after them ({Reason})";
}
