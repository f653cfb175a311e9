using System.CommandLine;
using SquadStudy.Cli.Commands;

var root = new RootCommand("SquadStudy: human studies of visual explanations")
{
    ImportCommand.Create(),
    PrecomputeCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
