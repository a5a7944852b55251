// The version of this build, read from package.json (same relative path from src/ and dist/).
import packageJson from '../package.json' with { type: 'json' };

export const version: string = packageJson.version;
