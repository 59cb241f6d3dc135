/**
 * The one tfjs namespace of the app. Engine modules import it from here (or from './backend'),
 * never from '@tensorflow/tfjs' directly, so there is a single place that decides which tfjs is used.
 */
import * as tf from '@tensorflow/tfjs';

export { tf };
