using SquadStudy.Data.Entities;
using SquadStudy.Studies.Engine;

namespace SquadStudy.Studies;

/// <summary>An explanation a stimulus shows: (image, model, method, class).</summary>
public readonly record struct ExplanationKey(long ImageId, long ModelId, string Method, int ClassIndex);

/// <summary>
/// Turns a study's design and its models' predictions into stimuli (docs/study-pack.md,
/// DESIGN.md "The studies"); the explanations to precompute are exactly those the stimuli show.
/// Deterministic: images in stem order, classes ascending, distractors drawn from a generator
/// seeded by study.json's <c>seed</c>, so a resumed run yields the same stimuli.
/// </summary>
public static class StimulusPlanner
{
    /// <param name="predictions">Top-1 class per (image id, model id).</param>
    public static List<Stimulus> Plan(
        long studyId,
        StudyDefinition definition,
        IReadOnlyList<StudyImage> images,
        IReadOnlyList<StudyModel> models,
        IReadOnlyDictionary<(long ImageId, long ModelId), int> predictions)
    {
        var modelByKey = models.ToDictionary(m => m.Key, StringComparer.Ordinal);
        var ordered = images.OrderBy(i => i.Stem, StringComparer.Ordinal).ToList();
        var classes = ordered.ToDictionary(i => i.Id, i => BoxesJson.Parse(i.BoxesJson).Select(b => b.Class).Distinct().Order().ToArray());
        var random = new Random(definition.Seed);
        var stimuli = new List<Stimulus>();
        foreach (var experiment in definition.Experiments)
        {
            var wanted = experiment.Images?.ToHashSet(StringComparer.Ordinal);
            var candidates = ordered.Where(i => wanted is null || wanted.Contains(i.Stem)).ToList();
            var experimentModels = experiment.Models.Select(k => modelByKey[k]).ToList();
            switch (experiment.Type)
            {
                case ExperimentKind.Discrimination:
                    foreach (var image in candidates.Where(i => classes[i.Id].Length >= 2))
                    {
                        foreach (var target in classes[image.Id])
                        {
                            // One distractor per (image, target), shared by every model and method so
                            // that the conditions differ only in the explanation.
                            var others = classes[image.Id].Where(c => c != target).ToArray();
                            var distractor = others[random.Next(others.Length)];
                            foreach (var model in experimentModels)
                            {
                                foreach (var method in experiment.Methods)
                                {
                                    stimuli.Add(New(studyId, ExperimentKind.Discrimination, image.Id, target, model.Id, method, distractor: distractor));
                                }
                            }
                        }
                    }
                    break;
                case ExperimentKind.Trust:
                    var (a, b) = (experimentModels[0], experimentModels[1]);
                    foreach (var image in candidates)
                    {
                        if (!predictions.TryGetValue((image.Id, a.Id), out var pa) || !predictions.TryGetValue((image.Id, b.Id), out var pb)
                            || pa != pb || (experiment.RequireCorrect && pa != image.LabelClass))
                        {
                            continue;
                        }
                        foreach (var method in experiment.Methods)
                        {
                            stimuli.Add(New(studyId, ExperimentKind.Trust, image.Id, pa, a.Id, method, modelB: b.Id));
                        }
                    }
                    break;
                case ExperimentKind.Comparison:
                    foreach (var image in candidates)
                    {
                        foreach (var model in experimentModels)
                        {
                            if (!predictions.TryGetValue((image.Id, model.Id), out var predicted))
                            {
                                continue;
                            }
                            for (var i = 0; i < experiment.Methods.Count; i++)
                            {
                                for (var j = i + 1; j < experiment.Methods.Count; j++)
                                {
                                    stimuli.Add(New(studyId, ExperimentKind.Comparison, image.Id, predicted, model.Id, experiment.Methods[i], methodB: experiment.Methods[j]));
                                }
                            }
                        }
                    }
                    break;
                case ExperimentKind.Simulation:
                    // The other option: the truth when the model is wrong (so a participant who answers the
                    // truth rather than the model's answer is wrong exactly where the two differ), else
                    // another class of the image, else one annotated on some image of the experiment.
                    var annotated = candidates.SelectMany(i => classes[i.Id]).Distinct().Order().ToArray();
                    foreach (var image in candidates)
                    {
                        foreach (var model in experimentModels)
                        {
                            if (!predictions.TryGetValue((image.Id, model.Id), out var predicted))
                            {
                                continue;
                            }
                            int? other = predicted != image.LabelClass ? image.LabelClass : null;
                            if (other is null)
                            {
                                var pool = classes[image.Id].Where(c => c != predicted).ToArray();
                                pool = pool.Length > 0 ? pool : annotated.Where(c => c != predicted).ToArray();
                                other = pool.Length > 0 ? pool[random.Next(pool.Length)] : null;
                            }
                            if (other is not { } distractor)
                            {
                                continue;
                            }
                            foreach (var method in experiment.Methods)
                            {
                                stimuli.Add(New(studyId, ExperimentKind.Simulation, image.Id, predicted, model.Id, method, distractor: distractor));
                            }
                        }
                    }
                    break;
                default:
                    throw new InvalidOperationException($"Unknown experiment type '{experiment.Type}'.");
            }
        }
        return stimuli;
    }

    /// <summary>Every explanation the stimuli show.</summary>
    public static HashSet<ExplanationKey> Explanations(IEnumerable<Stimulus> stimuli)
    {
        var keys = new HashSet<ExplanationKey>();
        foreach (var s in stimuli)
        {
            keys.Add(new ExplanationKey(s.ImageId, s.ModelAId, s.MethodA, s.TargetClass));
            if (s.ModelBId is { } modelB)
            {
                keys.Add(new ExplanationKey(s.ImageId, modelB, s.MethodA, s.TargetClass));
            }
            if (s.MethodB is { } methodB)
            {
                keys.Add(new ExplanationKey(s.ImageId, s.ModelAId, methodB, s.TargetClass));
            }
        }
        return keys;
    }

    private static Stimulus New(long studyId, string experiment, long imageId, int target, long modelA, string methodA,
        int? distractor = null, long? modelB = null, string? methodB = null) => new()
        {
            StudyId = studyId,
            Experiment = experiment,
            ImageId = imageId,
            TargetClass = target,
            DistractorClass = distractor,
            ModelAId = modelA,
            ModelBId = modelB,
            MethodA = methodA,
            MethodB = methodB,
        };
}
