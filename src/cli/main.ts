// Placeholder entry point; the commands are wired in src/cli as the stages land.
console.log('fediblock');
