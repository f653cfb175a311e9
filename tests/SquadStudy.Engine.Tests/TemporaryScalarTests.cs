using System.Reflection;
using System.Reflection.Emit;
using SquadStudy.Engine.Graph;
using TorchSharp;

namespace SquadStudy.Engine.Tests;

/// <summary>
/// A TorchSharp <see cref="Scalar"/> made for one call (a number passed to libtorch, or the implicit
/// α of <c>a + b</c>) can be finalised by a garbage collection while libtorch reads it
/// (<see cref="KeptScalars"/>). The race itself is a timing window no test can hit reliably, so this
/// test reads the engine's IL instead: outside <see cref="KeptScalars"/>, no method may make such a
/// Scalar, directly (an implicit conversion to Scalar) or through a TorchSharp call that makes one
/// inside (found by reading TorchSharp's IL the same way).
/// </summary>
public sealed class TemporaryScalarTests
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>The methods a method's IL calls (call, callvirt, newobj), decoded instruction by instruction.</summary>
    private static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }
        var position = 0;
        while (position < il.Length)
        {
            short value = il[position] == 0xFE ? (short)(0xFE00 | il[position + 1]) : il[position];
            position += il[position] == 0xFE ? 2 : 1;
            var opcode = OpCodesByValue[value];
            var operand = opcode.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, position),
                _ => 4,
            };
            if (opcode == OpCodes.Call || opcode == OpCodes.Callvirt || opcode == OpCodes.Newobj)
            {
                MethodBase? callee = null;
                try
                {
                    callee = method.Module.ResolveMethod(BitConverter.ToInt32(il, position), method.DeclaringType?.GetGenericArguments(),
                        method.IsGenericMethod ? method.GetGenericArguments() : null);
                }
                catch (ArgumentException)
                {
                    // A generic instantiation the reflection context cannot resolve here: not a TorchSharp call.
                }
                if (callee is not null)
                {
                    yield return callee;
                }
            }
            position += operand;
        }
    }

    private static bool IsScalarConversion(MethodBase method) =>
        method.DeclaringType == typeof(Scalar) && method.Name is "op_Implicit" ||
        method.DeclaringType?.Name == "ScalarExtensionMethods" && method.Name == "ToScalar";

    private static readonly Dictionary<MethodBase, bool> MakesScalarInside = [];

    /// <summary>
    /// A TorchSharp method that converts a number to a Scalar in its own body or in the TorchSharp
    /// methods it calls (<c>a + b</c> calls <c>add(b)</c>, which passes α = 1), up to a few calls deep.
    /// </summary>
    private static bool MakesScalar(MethodBase torchMethod, int depth = 0)
    {
        lock (MakesScalarInside)
        {
            if (MakesScalarInside.TryGetValue(torchMethod, out var known))
            {
                return known;
            }
        }
        var makes = depth < 4 && Callees(torchMethod).Any(c => IsScalarConversion(c)
            || (c.DeclaringType?.Assembly == typeof(Scalar).Assembly && c != torchMethod && MakesScalar(c, depth + 1)));
        lock (MakesScalarInside)
        {
            MakesScalarInside[torchMethod] = makes;
        }
        return makes;
    }

    [Fact]
    public void TheReadingFindsTheKnownCases()
    {
        // What the check relies on, shown on TorchSharp itself: a + b makes a Scalar (α), a − b does not.
        var tensor = typeof(torch.Tensor);
        MakesScalar(tensor.GetMethod("add", [tensor])!).ShouldBeTrue();
        MakesScalar(tensor.GetMethod("op_Addition", [tensor, tensor])!).ShouldBeTrue();
        MakesScalar(tensor.GetMethod("op_Multiply", [tensor, typeof(float)])!).ShouldBeTrue();
        MakesScalar(tensor.GetMethod("sub", [tensor])!).ShouldBeFalse();
        MakesScalar(tensor.GetMethod("mul", [tensor])!).ShouldBeFalse();
        // And on this test class's own IL, which converts a number here on purpose.
        Callees(typeof(TemporaryScalarTests).GetMethod(nameof(MakesAScalarOnPurpose), BindingFlags.NonPublic | BindingFlags.Static)!)
            .ShouldContain(c => IsScalarConversion(c));
    }

    private static Scalar MakesAScalarOnPurpose() => 0.5;

    [Fact]
    public void EngineCode_MakesNoTemporaryScalar_OutsideKeptScalars()
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var engine = typeof(KeptScalars).Assembly;
        var offenders = new List<string>();
        foreach (var type in engine.GetTypes().Where(t => t != typeof(KeptScalars)))
        {
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                foreach (var callee in Callees(method))
                {
                    if (IsScalarConversion(callee) || (callee.DeclaringType?.Assembly == typeof(Scalar).Assembly && MakesScalar(callee)))
                    {
                        offenders.Add($"{type.FullName}.{method.Name} calls {callee.DeclaringType?.Name}.{callee.Name}({string.Join(", ", callee.GetParameters().Select(p => p.ParameterType.Name))})");
                    }
                }
            }
        }
        offenders.Distinct().ShouldBeEmpty();
    }
}
