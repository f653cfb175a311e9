using System.Globalization;
using SquadStudy.Analysis;
using SquadStudy.Data.Entities;

namespace SquadStudy.Reporting;

/// <summary>The generated analysis scripts of a study (docs/analysis.md), from its stored definition.</summary>
public static class AnalysisScriptExport
{
    /// <summary>
    /// The discrimination experiments' methods and models in the order study.json lists them (the first of each is
    /// the scripts' reference level) and the exclusion rule in words.
    /// </summary>
    public static ScriptStudy For(Study study)
    {
        ArgumentNullException.ThrowIfNull(study);
        var definition = StudyDefinition.Parse(study.DefinitionJson);
        var discrimination = definition.Experiments.Where(e => e.Type == ExperimentKind.Discrimination).ToList();
        return new ScriptStudy(
            study.Slug,
            study.Title,
            discrimination.SelectMany(e => e.Methods).Distinct(StringComparer.Ordinal).ToList(),
            discrimination.SelectMany(e => e.Models).Distinct(StringComparer.Ordinal).ToList(),
            Describe(definition.Rules));
    }

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
