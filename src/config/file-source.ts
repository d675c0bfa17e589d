// Reads a config file, YAML or JSON by its extension, into a layer. Only syntax is checked here;
// unknown keys and bad values are reported by the schema with the file named as their source.

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError } from './config-error.js';
import { type ConfigLayer, documentLayer, isConfigTree } from './sources.js';

export const CONFIG_FILE_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

export function readConfigFile(file: string): ConfigLayer {
  const extension = extname(file).toLowerCase();
  if (!(CONFIG_FILE_EXTENSIONS as readonly string[]).includes(extension)) {
    throw new ConfigError(
      `config file ${file}: unsupported extension "${extension}"; use ${CONFIG_FILE_EXTENSIONS.join(', ')}`,
    );
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `config file ${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  const document = extension === '.json' ? parseJson(file, text) : parseYamlDocument(file, text);
  // An empty YAML file is a valid "use the defaults".
  if (document === null || document === undefined) return documentLayer({}, 'file');
  if (!isConfigTree(document)) {
    throw new ConfigError(
      `config file ${file}: must hold a mapping of settings (such as "listen:"), not a value`,
    );
  }
  return documentLayer(document, 'file');
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${file}: invalid JSON: ${(error as Error).message}`);
  }
}

function parseYamlDocument(file: string, text: string): unknown {
  try {
    // uniqueKeys (the default) makes a key written twice an error instead of a silent overwrite.
    return parseYaml(text, { prettyErrors: true });
  } catch (error) {
    if (error instanceof YAMLParseError)
      throw new ConfigError(`config file ${file}: invalid YAML: ${error.message}`);
    throw error;
  }
}
