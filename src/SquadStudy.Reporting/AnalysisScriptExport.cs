using System.Globalization;
using SquadStudy.Analysis;
using SquadStudy.Data.Entities;

namespace SquadStudy.Reporting;

/// <summary>The generated analysis scripts of a study (docs/analysis.md), from its stored definition.</summary>
public static class AnalysisScriptExport
{
    /// <summary>
    /// The scripts for the experiment type <paramref name="type"/> (<see cref="ScriptExperiment.Discrimination"/> or
    /// <see cref="ScriptExperiment.Simulation"/>; null: <see cref="DefaultType"/>): that type's experiments' methods and
    /// models in the order study.json lists them (the first of each is the scripts' reference level) and the exclusion
    /// rule in words.
    /// </summary>
    public static ScriptStudy For(Study study, string? type = null)
    {
        ArgumentNullException.ThrowIfNull(study);
        return For(study, StudyDefinition.Parse(study.DefinitionJson), type);
    }

    /// <summary><see cref="For(Study, string?)"/> with the study's definition already parsed.</summary>
    public static ScriptStudy For(Study study, StudyDefinition definition, string? type)
    {
        ArgumentNullException.ThrowIfNull(study);
        type ??= DefaultType(definition);
        if (!ScriptExperiment.IsKnown(type))
        {
            throw new ArgumentException($"The analysis scripts model {string.Join(" or ", ScriptExperiment.All)} answers, not \"{type}\".", nameof(type));
        }
        var experiments = definition.Experiments.Where(e => e.Type == type).ToList();
        return new ScriptStudy(
            study.Slug,
            study.Title,
            experiments.SelectMany(e => e.Methods).Distinct(StringComparer.Ordinal).ToList(),
            experiments.SelectMany(e => e.Models).Distinct(StringComparer.Ordinal).ToList(),
            Describe(definition.Rules),
            type);
    }

    /// <summary>The experiment types of the study that the scripts model, in <see cref="ScriptExperiment.All"/>'s order.</summary>
    public static IReadOnlyList<string> Types(Study study)
    {
        ArgumentNullException.ThrowIfNull(study);
        return Types(StudyDefinition.Parse(study.DefinitionJson));
    }

    /// <summary>
    /// What the scripts analyse when no type is asked for: discrimination, unless the study has no discrimination
    /// experiment and has a simulation one (a study with neither gets the discrimination scripts, as before).
    /// </summary>
    public static string DefaultType(Study study)
    {
        ArgumentNullException.ThrowIfNull(study);
        return DefaultType(StudyDefinition.Parse(study.DefinitionJson));
    }

    /// <summary>The name a script downloads as: <c>{slug}-analysis.R</c> for discrimination, <c>{slug}-{type}-analysis.R</c> otherwise.</summary>
    public static string FileName(string slug, string type, string extension) =>
        type == ScriptExperiment.Discrimination ? $"{slug}-analysis.{extension}" : $"{slug}-{type}-analysis.{extension}";

    public static IReadOnlyList<string> Types(StudyDefinition definition) =>
        ScriptExperiment.All.Where(t => definition.Experiments.Any(e => e.Type == t)).ToList();

    public static string DefaultType(StudyDefinition definition) =>
        Types(definition) is [ScriptExperiment.Simulation] ? ScriptExperiment.Simulation : ScriptExperiment.Discrimination;

    public static string Describe(ExclusionDefinition rules)
    {
        var parts = new List<string>();
        if (rules.FailAttention)
        {
            parts.Add("a participant who fails an attention check is excluded");
        }
        if (rules.MinMedianResponseMs is { } min)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"a participant whose median response time is below {min} ms is excluded"));
        }
        return parts.Count == 0 ? "none (nobody is excluded)" : string.Join("; ", parts);
    }
}
