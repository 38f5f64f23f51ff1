import { SUCCESS_CODE, type CalllogsError } from './codes.js';
import type { OpenapiLog } from './record.js';

export const QUERY_SUCCESS_DESC = 'queryCalllogs success';

/** The body of every error answer: the four fields, code and description each given twice. */
export interface ErrorBody {
  returnCode: string;
  resultCode: string;
  returnDesc: string;
  resultDesc: string;
}

/** The body of a successful calllogs query. */
export interface QueryResponseBody extends ErrorBody {
  result: OpenapiLog[];
  /** Records matching the query in the whole window, not the page size. */
  count: number;
}

export function errorBody(code: string, description: string): ErrorBody {
  return { returnCode: code, resultCode: code, returnDesc: description, resultDesc: description };
}

export function errorBodyOf(error: CalllogsError): ErrorBody {
  return errorBody(error.code, error.message);
}

export function queryResponseBody(result: OpenapiLog[], count: number): QueryResponseBody {
  return { result, count, ...errorBody(SUCCESS_CODE, QUERY_SUCCESS_DESC) };
}
