namespace SquadStudy.Engine.Explainers;

/// <summary>An explanation can not be computed as asked (class out of range, method not applicable, wrong input size).</summary>
public sealed class ExplanationException(string message) : Exception(message);
