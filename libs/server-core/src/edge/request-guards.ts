import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { CommonErrors, DomainError } from '../errors/domain-error.js';
import { findTextProblem, MAX_JSON_BODY_BYTES, MAX_JSON_DEPTH, type TextProblem } from './request-text.js';

function refusal(problem: TextProblem, where: 'body' | 'query'): DomainError {
  if (problem.kind === 'too-deep') {
    return new DomainError(
      CommonErrors.JSON_TOO_DEEP,
      `The request ${where} nests deeper than ${problem.maxDepth} levels`,
      { maxDepth: problem.maxDepth, path: problem.path },
    );
  }
  const what = problem.kind === 'nul' ? 'a NUL character' : 'a lone UTF-16 surrogate';
  return new DomainError(CommonErrors.INVALID_TEXT, `The request ${where} holds ${what} at ${problem.path}`, {
    path: problem.path,
    problem: problem.kind,
  });
}

function decodedSegments(path: string): string[] | undefined {
  try {
    return path.split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    // Malformed percent-encoding: the router refuses it with its own 400.
    return undefined;
  }
}

/**
 * Path and query of every request, before any route: a path segment with a NUL can match no resource
 * (404, as for any unknown path), and a query value with one is refused like a body value (400).
 */
export function checkUrlText(): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const segments = decodedSegments(req.path);
    if (segments && findTextProblem(segments)) {
      next(new DomainError(CommonErrors.NOT_FOUND, 'No resource has this path'));
      return;
    }
    const problem = findTextProblem(req.query, MAX_JSON_DEPTH);
    next(problem ? refusal(problem, 'query') : undefined);
  };
}

/** After a body parser: the same rule for every string and key of the parsed body, at any depth. */
function checkBodyText(): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const problem = findTextProblem(req.body as unknown, MAX_JSON_DEPTH);
    next(problem ? refusal(problem, 'body') : undefined);
  };
}

/**
 * The JSON and form parsers of a server that takes request bodies, with the one size cap and the text and
 * depth rule. (JSON.parse itself handles any depth; code after it would recurse, so depth is checked here.)
 */
export function bodyParsers(): RequestHandler[] {
  return [
    express.json({ limit: MAX_JSON_BODY_BYTES }),
    express.urlencoded({ extended: true, limit: MAX_JSON_BODY_BYTES }),
    checkBodyText(),
  ];
}
