namespace SquadStudy.Engine.Onnx;

/// <summary>
/// The model file can not be used: malformed protobuf, an unsupported operator or data type,
/// inconsistent shapes, a cycle, a dangling input, or sizes beyond what the file or the limits
/// allow. The message names the operator, node or tensor concerned.
/// </summary>
public sealed class ModelLoadException : Exception
{
    public ModelLoadException(string message) : base(message) { }

    public ModelLoadException(string message, Exception inner) : base(message, inner) { }
}
